import Foundation
import Ledger
import LedgerTestSupport
import Testing

@Suite("Embedded cluster")
struct EmbeddedClusterTests {
    // Found after CI hung at the end of the tests: when the shared test
    // cluster starts while another test has `mcledger`'s output pipe open,
    // the server inherited the pipe's write end, so that test's reader waited
    // for EOF until the server stopped, and the server stops only after the
    // test run ends.
    @Test("a server started while the caller holds a pipe and a file open inherits neither: the pipe's reader gets EOF")
    func serverInheritsNoDescriptor() async throws {
        let cluster = try TestCluster.separateCluster(settings: ["max_connections": "10", "shared_buffers": "16MB"])
        let pipe = Pipe()
        let heldFile = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mcledger-held-\(getpid())-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: heldFile.path, contents: nil))
        let held = try FileHandle(forWritingTo: heldFile)
        defer {
            try? held.close()
            try? FileManager.default.removeItem(at: heldFile)
        }

        _ = try await cluster.start()
        defer { try? cluster.stop(immediate: true) }

        // The server's own descriptors name neither the pipe nor the file.
        let pidFile = try String(contentsOf: cluster.home.appendingPathComponent("data/postmaster.pid"), encoding: .utf8)
        let postmaster = try #require(pidFile.split(separator: "\n").first.map(String.init))
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(postmaster)/fd")
        let targets = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(postmaster)/fd/\($0)") }
        #expect(!targets.isEmpty, "the postmaster's descriptors are readable")
        let pipeInode = try Self.inode(of: pipe.fileHandleForWriting.fileDescriptor)
        #expect(!targets.contains("pipe:[\(pipeInode)]"), "the postmaster holds the caller's pipe: \(targets)")
        #expect(!targets.contains(heldFile.path), "the postmaster holds the caller's file: \(targets)")

        // And the pipe's reader sees EOF as soon as the caller closes its write end.
        try pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading.fileDescriptor
        #expect(fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK) == 0)
        var byte: UInt8 = 0
        let count = read(reader, &byte, 1)
        let failure = errno
        #expect(count == 0, "read gave \(count) (errno \(failure)) instead of EOF: another process holds the write end")
    }

    private static func inode(of descriptor: Int32) throws -> UInt {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "fstat(\(descriptor)) failed: errno \(errno)"])
        }
        return UInt(status.st_ino)
    }
}
