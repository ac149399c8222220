import Foundation
import Ledger
import LedgerTestSupport
import Testing

/// Issue 6, item 3, the command line: the real `mcledger append` on hostile
/// files exits 65 naming the line and the reason, appends nothing of the
/// rejected batch (the head is unchanged), stays within bounded memory, and
/// never hangs.
@Suite("mcledger append on hostile input")
struct HostileInputCLITests {
    /// The most memory a refused append may take (peak RSS of the process),
    /// whatever the size of the file or its lines: the line reader holds at
    /// most one 1 MiB line and one 1 MiB read chunk.
    static let maxAppendRSSKiB = 96 * 1024
    /// No append of these files may take longer.
    static let maxSeconds: Double = 120

    /// What a run printed, how it exited, and its peak RSS.
    struct Run: Sendable {
        let status: Int32
        let stderr: String
        let maxRSSKiB: Int
        let seconds: Double
    }

    /// Runs `mcledger append FILE` under /usr/bin/time (which reports the
    /// child's peak RSS), killing it after `maxSeconds`; waits on a thread of
    /// its own, not on the cooperative pool.
    static func append(_ file: URL, database: TestDatabase) async throws -> Run {
        try await OwnThread.run("fuzz-append") { () throws(any Error) in try appendBlocking(file, database: database) }
    }

    private static func appendBlocking(_ file: URL, database: TestDatabase) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "maxrss_kib=%M", CLI.executable.path, "append", file.path]
        var environment = ProcessInfo.processInfo.environment
        environment["MCLEDGER_DATABASE_URL"] = database.conninfo
        process.environment = environment
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-cli-\(UUID()).err")
        #expect(FileManager.default.createFile(atPath: errors.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: errors) }
        let errorHandle = try FileHandle(forWritingTo: errors)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        while process.isRunning {
            if Date().timeIntervalSince(started) > maxSeconds {
                process.terminate()
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        try errorHandle.close()
        let stderr = String(decoding: try Data(contentsOf: errors), as: UTF8.self)
        let rss = stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kib=") }
            .flatMap { Int($0.dropFirst("maxrss_kib=".count)) } ?? Int.max
        return Run(status: process.terminationStatus, stderr: stderr, maxRSSKiB: rss, seconds: Date().timeIntervalSince(started))
    }

    /// A file under the temp folder holding `lines`, each followed by `\n`.
    static func file(_ lines: [[UInt8]]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-cli-\(UUID()).ndjson")
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [0x0A] }
        try Data(bytes).write(to: url)
        return url
    }

    static func data(_ extra: String) -> [UInt8] {
        Array(#"{"type":"InstanceRegistered","data":{"instance":"exec-09","role":"execution","x":"#.utf8) + Array(extra.utf8) + Array("}}".utf8)
    }

    /// A hostile line 3, after two good lines of the same batch.
    static let hostileLines: [(name: String, line: [UInt8], reason: String)] = [
        ("invalid UTF-8", Array(#"{"type":"InstanceRegistered","data":{"instance":"x"#.utf8) + [0xC3, 0x28] + Array(#"","role":"control"}}"#.utf8), "invalid UTF-8"),
        ("deep nesting", Array(repeating: UInt8(ascii: "["), count: 100_000), "nesting deeper than"),
        ("a huge exponent", data("1e999999"), "written out in full"),
        ("a 400-digit integer", data(String(repeating: "9", count: 400)), "longer than 64"),
        ("a NUL byte", data("\"a") + [0] + Array("b\"}}".utf8), "NUL"),
        ("a duplicate key", Array(#"{"type":"InstanceRegistered","data":{"instance":"a","instance":"b","role":"control"}}"#.utf8), "duplicate object key"),
        ("a lone surrogate", data(#""\ud800""#), "surrogate"),
        ("a byte order mark", [0xEF, 0xBB, 0xBF] + Array(Fixtures.instance("exec-09").utf8), "byte order mark"),
        ("a 10 MB line", data("\"" + String(repeating: "a", count: 10 << 20) + "\""), "line exceeds"),
    ]

    @Test("a hostile line exits 65 naming the line and the reason; nothing of its batch is appended", arguments: 0..<hostileLines.count)
    func hostileLineIsRefused(_ index: Int) async throws {
        let hostile = Self.hostileLines[index]
        let database = try await TestCluster.shared.freshDatabase()
        _ = try await database.store().append(lines: [Fixtures.instance("exec-00")])
        let head = try await database.store().head()
        let url = try Self.file([
            Array(Fixtures.instance("exec-01").utf8), Array((Fixtures.instance("exec-02") + "\r").utf8), hostile.line,
            Array(Fixtures.instance("exec-03").utf8),
        ])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try await Self.append(url, database: database)
        #expect(run.status == 65, "\(hostile.name): \(run.stderr)")
        #expect(run.stderr.contains("line 3"), "\(hostile.name): \(run.stderr)")
        #expect(run.stderr.contains(hostile.reason), "\(hostile.name): \(run.stderr)")
        #expect(run.maxRSSKiB < Self.maxAppendRSSKiB, "\(hostile.name): peak RSS \(run.maxRSSKiB) KiB")
        #expect(try await database.store().head() == head, "\(hostile.name): the head moved")
    }

    @Test("a 200 MB file of a few bad lines is refused in bounded memory and time, appending nothing")
    func twoHundredMegabyteFileIsRefusedInBoundedMemory() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-cli-\(UUID()).ndjson")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.write(contentsOf: Data((Fixtures.instance("exec-01") + "\n").utf8))
        // Three bad lines of about 66 MB each: a string that never ends, so
        // neither a line limit check on '\n' alone nor a parser could stop early.
        let chunk = Data(repeating: UInt8(ascii: "z"), count: 1 << 20)
        for _ in 0..<3 {
            try handle.write(contentsOf: Data(#"{"type":"InstanceRegistered","data":{"instance":""#.utf8))
            for _ in 0..<66 { try handle.write(contentsOf: chunk) }
            try handle.write(contentsOf: Data("\n".utf8))
        }
        try handle.close()
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size > 200_000_000)
        let run = try await Self.append(url, database: database)
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("line 2") && run.stderr.contains("line exceeds"), "\(run.stderr)")
        #expect(run.maxRSSKiB < Self.maxAppendRSSKiB, "peak RSS \(run.maxRSSKiB) KiB")
        #expect(run.seconds < Self.maxSeconds)
        #expect(try await database.store().count() == 0)
    }

    @Test("a file of only valid lines but CRLF endings and blank lines is appended whole")
    func crlfAndBlankLinesAreAccepted() async throws {
        let database = try await TestCluster.shared.freshDatabase()
        let url = try Self.file([Array((Fixtures.instance("exec-01") + "\r").utf8), [], Array("  \t".utf8), Array((Fixtures.instance("exec-02") + "\r").utf8)])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try await Self.append(url, database: database)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try await database.store().count() == 2)
    }
}
