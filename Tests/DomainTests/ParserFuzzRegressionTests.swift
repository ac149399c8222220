import Ledger
import Testing

/// Hostile input for the parser and the domain validation, and the findings of
/// the coverage-guided fuzzer (scripts/fuzz.sh), each kept here as a regression
/// test; plus a seeded random-input run of the fuzzer's properties
/// (``ParserProperties``) that is fast enough for every `swift test`.
@Suite("Parser hostile input and fuzz regressions")
struct ParserFuzzRegressionTests {
    /// The parse of `text` as one envelope line, or its refusal.
    private func refusal(_ bytes: [UInt8]) -> LedgerError? {
        do {
            _ = try EnvelopeParser().parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func event(data: String) -> String {
        #"{"type":"InstanceRegistered","data":{"instance":"exec-01","role":"execution","n":"# + data + "}}"
    }

    // MARK: - Finding 1: numbers that PostgreSQL writes out in full

    /// Finding: `1e131071` (8 characters) was accepted and PostgreSQL stores it
    /// in `jsonb` as a 131,072-digit number: a 1 MiB line of such numbers became
    /// gigabytes; `1e999999` was accepted here and failed in PostgreSQL as
    /// "value overflows numeric format", after parsing, without naming a line.
    @Test(arguments: [
        "1e999999", "1e131071", "-1E+131071", "1e-16383", "0e-400", "1e400", "1.5e-399", "0.1e-399",
        "123456789012345678901234567890e380",
    ])
    func numbersWrittenOutLongerThanTheLimitAreRefused(_ literal: String) throws {
        let error = try #require(refusal(Array(event(data: literal).utf8)))
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("written out in full"), "\(error)")
        #expect(error.message.contains(literal), "\(error)")
    }

    /// Finding: `0e9999999999` is zero, written out as `0`, but PostgreSQL
    /// refuses its exponent ("value overflows numeric format"): it passed the
    /// parser and failed at commit without naming a line.
    @Test(arguments: ["0e9999999999", "0e99999999999999999999", "-0.0E+10000000", "0e-10000000", "1e9999999999999999999999999999999999"])
    func hugeExponentsAreRefusedEvenForZero(_ literal: String) throws {
        let error = try #require(refusal(Array(event(data: literal).utf8)))
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("exponent out of range"), "\(error)")
    }

    /// The limit is on the written-out text: these are at most 400 characters
    /// there (every IEEE-754 double among them; schemathesis sent 1.2330100502784997e-141).
    @Test(arguments: ["1e399", "-1e398", "1e-398", "0.5e-397", "0e-398", "100e397", "0.0001e400", "123.456e10", "1E+0", "0e9999999",
                      "4.9406564584124654e-324", "1.7976931348623157e308", "1.2330100502784997e-141"])
    func numbersWithinTheLimitAreAccepted(_ literal: String) throws {
        let event = try EnvelopeParser().parse(event(data: literal))
        #expect(event.data.contains(literal))
    }

    // MARK: - Hostile input named in issue 6

    @Test func invalidUTF8IsRefusedWithItsOffset() throws {
        var line = Array(event(data: "\"x\"").utf8)
        line.insert(contentsOf: [0xC3, 0x28], at: line.count - 4)  // inside the string "x"
        let error = try #require(refusal(line))
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("invalid UTF-8"))
        #expect(error.details["offset"] == String(line.count - 6))
        for bytes: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            var bad = Array(#"{"type":""#.utf8) + bytes + Array(#"","data":{}}"#.utf8)
            #expect(refusal(bad)?.message.contains("invalid UTF-8") == true, "\(bytes)")
            bad = bytes + Array("{}".utf8)
            #expect(refusal(bad)?.message.contains("invalid UTF-8") == true, "\(bytes) first")
        }
    }

    @Test func deepNestingIsRefusedWithoutExhaustingTheStack() throws {
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        let error = try #require(refusal(deep))
        #expect(error.message.contains("nesting deeper than \(JSONLimits.maxDepth)"))
        let deepData = event(data: String(repeating: "{\"a\":", count: 100_000))
        #expect(refusal(Array(deepData.utf8))?.message.contains("nesting") == true)
    }

    @Test func fourHundredDigitIntegersAreRefused() throws {
        let error = try #require(refusal(Array(event(data: String(repeating: "7", count: 400)).utf8)))
        #expect(error.message.contains("longer than \(JSONLimits.maxNumberLength)"))
    }

    @Test func aTenMegabyteLineIsParsedOrRefusedInBoundedTime() throws {
        // The reader refuses lines over NDJSONLimits.maxLineBytes; the parser
        // itself must still cope with a big document (the HTTP body limit is larger).
        let big = String(repeating: "a", count: 10 << 20)
        let clock = ContinuousClock()
        let start = clock.now
        let accepted = try EnvelopeParser().parse(event(data: "\"\(big)\""))
        #expect(accepted.data.utf8.count > 10 << 20)
        let unterminated = refusal(Array(event(data: "\"\(big)").utf8))
        #expect(unterminated?.message.contains("unterminated string") == true || unterminated?.message.contains("unescaped") == true)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func nulIsRefusedRawAndEscaped() throws {
        var raw = Array(event(data: "\"ab\"").utf8)
        raw[raw.count - 4] = 0
        #expect(refusal(raw)?.message.contains("NUL") == true)
        #expect(refusal(Array(event(data: #""a\u0000b""#).utf8))?.message.contains("NUL") == true)
        #expect(refusal(Array(#"{"type":"InstanceRegistered"}"#.utf8) + [0])?.message.contains("NUL") == true)
    }

    @Test func duplicateKeysAreRefusedAtEveryLevel() throws {
        let envelope = #"{"type":"InstanceRegistered","type":"InstanceRegistered","data":{}}"#
        #expect(refusal(Array(envelope.utf8))?.message.contains("duplicate object key") == true)
        let data = #"{"type":"InstanceRegistered","data":{"instance":"a","instance":"b","role":"control"}}"#
        #expect(refusal(Array(data.utf8))?.message.contains("duplicate object key") == true)
    }

    @Test(arguments: [#"\ud800"#, #"\udc00"#, #"\ud800\u0041"#, #"\ud800x"#, #"\udbff\udbff"#])
    func loneSurrogatesAreRefused(_ escape: String) throws {
        let error = try #require(refusal(Array(event(data: "\"\(escape)\"").utf8)))
        #expect(error.message.contains("surrogate"), "\(error)")
    }

    @Test func aByteOrderMarkIsRefusedAndNamed() throws {
        let line = [0xEF, 0xBB, 0xBF] + Array(event(data: "1").utf8)
        let error = try #require(refusal(line))
        #expect(error.code == .invalidInput)
        #expect(error.message.contains("byte order mark"), "\(error)")
        #expect(error.details["offset"] == "0")
    }

    @Test func crlfLineEndsAreAccepted() throws {
        let line = Array((event(data: "1") + "\r").utf8)
        #expect(try EnvelopeParser().parse(line).type == "InstanceRegistered")
        #expect(ParserProperties.check(Array((event(data: "1") + "\r\n" + event(data: "2") + "\r\n").utf8)).isEmpty)
    }

    // MARK: - Seeded random inputs

    /// The fuzzer's properties over inputs derived from valid events by the
    /// fuzzer's kinds of mutation, from a fixed seed (so a failure reproduces).
    @Test func seededRandomInputsKeepTheProperties() {
        var random = SplitMix64(seed: 0x6D63_6C65_6467_6572)
        var failures: [String] = []
        for round in 0..<2_000 {
            let input = HostileInputGenerator.input(&random)
            for failure in ParserProperties.check(input) {
                failures.append("round \(round) (\(input.count) bytes): \(failure)")
            }
            if failures.count >= 5 { break }
        }
        #expect(failures.isEmpty, "\(failures)")
    }
}

/// NDJSON inputs made from valid events by byte flips, token insertions,
/// deletions, truncations and splices (the kinds of mutation libFuzzer makes).
enum HostileInputGenerator {
    static let seeds = [
        #"{"type":"InstanceRegistered","data":{"instance":"exec-01","role":"execution"}}"#,
        #"{"type":"ExecutionAccountRegistered","data":{"control":"ctl-01","account":"acc_1","instance":"exec-01"},"eventId":"0190a4b2-7c3e-7a10-8b2c-1234567890ab"}"#,
        #"{"type":"ExecutionAccountDisabled","data":{"control":"ctl-01","account":"acc_1"},"expectedVersion":1}"#,
        #"{"type":"WorkflowCreated","data":{"instance":"ctl-01","workflow":"mcSynch_acc_1","kind":"archiving","label":"Message Center"}}"#,
        #"{"type":"WorkflowStarted","data":{"instance":"ctl-01","workflow":"mcSynch_acc_1"},"metadata":{"actor":"ops"}}"#,
        #"{"type":"WorkflowFailed","data":{"instance":"e","workflow":"rtEventsProcessing","error":"x\u00e9\ud83d\ude00"}}"#,
        #"{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"ev-1","queue":"realtime","to":"pending","n":[1.5e3,-0,true,null]}}"#,
        #"{"type":"EventStatusChanged","data":{"instance":"exec-01","eventId":"ev-1","queue":"realtime","to":"pendingDelivery"},"stream":"rtEvent-exec-01.ev-1"}"#,
        #"{"type":"Custom.Thing","stream":"custom-1","data":{"a":{"b":[1,2,{"c":"d"}]}}}"#,
    ]
    static let tokens = [
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "\n", "\r\n", "\r",
        "true", "null", "-0", "1e999999", "1e63", "1e-62", "0.", "\u{FEFF}", "\"type\":", "\"data\":{}",
        "\"eventId\":null", "\"expectedVersion\":2147483648", "\"stream\":\"x-1\"", "\"to\":\"sent\"",
        "\"WorkflowPaused\"", "\"mcSynch_a\"", "\"updateEventsStatus\"", "\"minimal\"", " ",
    ]
    static let rawBytes: [[UInt8]] = [[0], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0x1F]]

    static func input<R: RandomNumberGenerator>(_ random: inout R) -> [UInt8] {
        var lines: [[UInt8]] = (0..<Int.random(in: 1...4, using: &random)).map { _ in
            Array(seeds.randomElement(using: &random)!.utf8)
        }
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            let which = Int.random(in: 0..<lines.count, using: &random)
            mutate(&lines[which], &random)
        }
        var out: [UInt8] = []
        for line in lines {
            out += line
            out += Bool.random(using: &random) ? [0x0A] : [0x0D, 0x0A]
        }
        return out
    }

    static func mutate<R: RandomNumberGenerator>(_ line: inout [UInt8], _ random: inout R) {
        let at = Int.random(in: 0...line.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where at < line.count:
            line[at] = UInt8.random(in: 0...255, using: &random)
        case 1:
            line.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: at)
        case 2:
            line.insert(contentsOf: rawBytes.randomElement(using: &random)!, at: at)
        case 3:
            line.removeSubrange(at..<min(line.count, at + Int.random(in: 1...8, using: &random)))
        case 4:
            line.removeSubrange(at..<line.count)
        default:
            let other = Array(seeds.randomElement(using: &random)!.utf8)
            let from = Int.random(in: 0...other.count, using: &random)
            line.insert(contentsOf: other[from...], at: at)
        }
    }
}
