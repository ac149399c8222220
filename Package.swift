// swift-tools-version: 6.1
import PackageDescription

// Targets are layers, each importing only the one below:
// CLibPQ (and CSpawn) -> Ledger -> Projections -> mcledger. Test helpers live in their own target.
let package = Package(
    name: "mcledger",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mcledger", targets: ["mcledger"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Projections", targets: ["Projections"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // One C function Swift cannot reach: glibc's closefrom file action for
        // posix_spawn (declared only under _GNU_SOURCE).
        .target(name: "CSpawn"),
        .target(
            name: "Ledger",
            dependencies: [
                "CLibPQ",
                "CSpawn",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/sql")],
            // The ledger's hot paths (JSON parsing, hashing, row decoding) are
            // optimised even in debug builds, so `swift run mcledger demo` and
            // the tests run at a useful speed. Only for this root package.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "Projections",
            dependencies: ["Ledger"]
        ),
        .target(
            name: "Service",
            dependencies: [
                "Ledger",
                "Projections",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/static")]
        ),
        .executableTarget(
            name: "mcledger",
            dependencies: [
                "Ledger",
                "Projections",
                "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LedgerTestSupport",
            dependencies: ["Ledger", "Projections"],
            path: "Tests/LedgerTestSupport"
        ),
        .testTarget(
            name: "DomainTests",
            dependencies: ["Ledger"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["mcledger", "Ledger", "LedgerTestSupport"]
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: ["Ledger", "Projections", "LedgerTestSupport"]
        ),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "mcledger", "Service", "Ledger", "Projections", "LedgerTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ProjectionTests",
            dependencies: ["Ledger", "Projections", "LedgerTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
