import Foundation
import Testing
import Ledger

/// A file holding `bytes`, open for reading, removed from the directory at once
/// (the descriptor keeps it alive); the caller closes the descriptor.
private func descriptor(for bytes: [UInt8]) throws -> Int32 {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ndjson-\(UUID().uuidString)").path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    let fd = open(path, O_RDONLY)
    unlink(path)
    try #require(fd >= 0)
    return fd
}

/// Every line (or error) the reader yields, as `(number, text)` or `(number, "ERROR: message")`.
private func readAll(_ bytes: [UInt8], maxLineBytes: Int = NDJSONLimits.maxLineBytes, chunkBytes: Int = NDJSONLimits.readChunkBytes) throws -> [(Int, String)] {
    let fd = try descriptor(for: bytes)
    defer { close(fd) }
    var reader = NDJSONLineReader(fileDescriptor: fd, maxLineBytes: maxLineBytes, chunkBytes: chunkBytes)
    var out: [(Int, String)] = []
    var guardCount = 0
    while true {
        guardCount += 1
        try #require(guardCount < 100_000)
        do {
            guard let line = try reader.next() else { break }
            out.append((line.lineNumber, String(decoding: line.bytes, as: UTF8.self)))
        } catch {
            out.append((error.line ?? -1, "ERROR: \(error.message)"))
        }
    }
    // Past the end it stays at the end.
    #expect(try reader.next() == nil)
    return out
}

private func lines(_ result: [(Int, String)]) -> [String] { result.map { "\($0.0):\($0.1)" } }

/// The reference: split on "\n", drop one "\r" before it, no line after a final "\n",
/// lines longer than `limit` become errors.
private func reference(_ text: [UInt8], limit: Int) -> [String] {
    var out: [String] = []
    var parts = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
    if parts.last?.isEmpty == true { parts.removeLast() }
    for (i, var part) in parts.enumerated() {
        if part.last == UInt8(ascii: "\r") { part.removeLast() }
        out.append(part.count > limit ? "\(i + 1):ERROR: line exceeds \(limit) bytes" : "\(i + 1):\(String(decoding: part, as: UTF8.self))")
    }
    return out
}

@Suite("NDJSON line reader")
struct NDJSONLineReaderTests {
    @Test func readsNumberedLinesIncludingBlankOnes() throws {
        let result = try readAll(Array("a\n\nbc\n  \nd\n".utf8))
        #expect(lines(result) == ["1:a", "2:", "3:bc", "4:  ", "5:d"])
    }

    @Test func readsALastLineWithoutNewline() throws {
        #expect(lines(try readAll(Array("a\nlast".utf8))) == ["1:a", "2:last"])
        #expect(lines(try readAll(Array("only".utf8))) == ["1:only"])
    }

    @Test func stripsCRLF() throws {
        #expect(lines(try readAll(Array("a\r\nb\r\n\r\nc\r".utf8))) == ["1:a", "2:b", "3:", "4:c"])
        // Only one "\r" before the "\n" is a terminator.
        #expect(lines(try readAll(Array("a\r\r\nb\rc\n".utf8))) == ["1:a\r", "2:b\rc"])
    }

    @Test func emptyInputs() throws {
        #expect(try readAll([]).isEmpty)
        #expect(lines(try readAll(Array("\n".utf8))) == ["1:"])
        #expect(lines(try readAll(Array("\n\n".utf8))) == ["1:", "2:"])
    }

    @Test func longLineIsAnErrorForItsLineOnly() throws {
        let text = "short\n" + String(repeating: "x", count: 40) + "\nafter\nend"
        let result = try readAll(Array(text.utf8), maxLineBytes: 16, chunkBytes: 7)
        #expect(lines(result) == ["1:short", "2:ERROR: line exceeds 16 bytes", "3:after", "4:end"])
    }

    @Test func longLineAtTheEnd() throws {
        let text = "a\n" + String(repeating: "x", count: 40)
        #expect(lines(try readAll(Array(text.utf8), maxLineBytes: 16, chunkBytes: 5)) == ["1:a", "2:ERROR: line exceeds 16 bytes"])
        #expect(lines(try readAll(Array((text + "\n").utf8), maxLineBytes: 16, chunkBytes: 64)) == ["1:a", "2:ERROR: line exceeds 16 bytes"])
    }

    @Test func limitIsExclusiveOfTheTerminator() throws {
        let exact = String(repeating: "x", count: 16)
        for chunk in [1, 3, 16, 17, 100] {
            #expect(lines(try readAll(Array("\(exact)\n\(exact)\r\n\(exact)".utf8), maxLineBytes: 16, chunkBytes: chunk))
                == ["1:\(exact)", "2:\(exact)", "3:\(exact)"])
            #expect(lines(try readAll(Array("\(exact)y\nz".utf8), maxLineBytes: 16, chunkBytes: chunk))
                == ["1:ERROR: line exceeds 16 bytes", "2:z"])
            #expect(lines(try readAll(Array("\(exact)y\r\nz".utf8), maxLineBytes: 16, chunkBytes: chunk))
                == ["1:ERROR: line exceeds 16 bytes", "2:z"])
        }
    }

    @Test func errorsCarryTheLineNumber() throws {
        let fd = try descriptor(for: Array("ok\n\(String(repeating: "x", count: 30))\nok".utf8))
        defer { close(fd) }
        var reader = NDJSONLineReader(fileDescriptor: fd, maxLineBytes: 8, chunkBytes: 4)
        #expect(try reader.next() == .init(lineNumber: 1, bytes: Array("ok".utf8)))
        let error = #expect(throws: LedgerError.self) { try reader.next() }
        #expect(error?.code == .invalidInput)
        #expect(error?.line == 2)
        #expect(error?.description == "line 2: line exceeds 8 bytes")
        #expect(try reader.next() == .init(lineNumber: 3, bytes: Array("ok".utf8)))
        #expect(try reader.next() == nil)
    }

    @Test func realLimitOfOneMebibyte() throws {
        var bytes = Array("{\"first\":1}\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: NDJSONLimits.maxLineBytes + 1)
        bytes += Array("\n{\"third\":3}\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "y"), count: NDJSONLimits.maxLineBytes)
        bytes += Array("\nlast".utf8)
        let result = try readAll(bytes)
        #expect(result.count == 5)
        #expect(result[0].0 == 1 && result[0].1 == "{\"first\":1}")
        #expect(result[1].0 == 2 && result[1].1 == "ERROR: line exceeds 1048576 bytes")
        #expect(result[2].0 == 3 && result[2].1 == "{\"third\":3}")
        #expect(result[3].0 == 4 && result[3].1.utf8.count == NDJSONLimits.maxLineBytes)
        #expect(result[4].0 == 5 && result[4].1 == "last")
    }

    /// Property: whatever the chunk size, the reader agrees with a plain split.
    @Test(arguments: 0..<40)
    func agreesWithAReferenceSplit(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 1000)
        let alphabet = Array("ab{}\" \r\n\n\n".utf8)
        let length = Int(rng.next() % 200)
        let text = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
        let limit = 1 + Int(rng.next() % 12)
        let chunk = 1 + Int(rng.next() % 20)
        #expect(lines(try readAll(text, maxLineBytes: limit, chunkBytes: chunk)) == reference(text, limit: limit))
    }

    @Test func readErrorsAreReported() throws {
        var reader = NDJSONLineReader(fileDescriptor: -1)
        let error = #expect(throws: LedgerError.self) { try reader.next() }
        #expect(error?.message.hasPrefix("cannot read input: ") == true)
        #expect(error?.details["errno"] == "\(EBADF)")
    }
}
