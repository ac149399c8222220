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

        // And the pipe's reader sees EOF once the caller closes its write end.
        // A process that another test is spawning at this moment holds every
        // descriptor of this one between its fork and its exec: for
        // milliseconds. A server that inherited the pipe holds it for good.
        try pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading.fileDescriptor
        #expect(fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK) == 0)
        var byte: UInt8 = 0
        var count = -1
        var failure: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        repeat {
            count = read(reader, &byte, 1)
            failure = errno
            guard count == -1 && failure == EAGAIN else { break }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        #expect(count == 0, "read gave \(count) (errno \(failure)) for 5 s instead of EOF: the write end is held by \(Self.holders(of: "pipe:[\(pipeInode)]"))")
    }

    /// The processes (pid and command line) that hold a descriptor on `target`.
    private static func holders(of target: String) -> [String] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            guard descriptors.contains(where: { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == target }) else { return nil }
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.replacingOccurrences(of: "\u{0}", with: " ") ?? "?"
            return "\(pid) \(command)"
        }
    }

    private static func inode(of descriptor: Int32) throws -> UInt {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "fstat(\(descriptor)) failed: errno \(errno)"])
        }
        return UInt(status.st_ino)
    }
}
