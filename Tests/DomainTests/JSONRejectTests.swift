import Testing
import Ledger

/// Parses `bytes` and returns the error it must raise.
private func rejection(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> LedgerError? {
    let error = #expect(throws: LedgerError.self, sourceLocation: sourceLocation) { try JSONValue.parse(bytes) }
    #expect(error?.code == .invalidInput, sourceLocation: sourceLocation)
    return error
}

private func rejection(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> LedgerError? {
    rejection(Array(text.utf8), sourceLocation: sourceLocation)
}

@Suite("JSON rejection of hostile and malformed input")
struct JSONRejectTests {
    @Test(arguments: ["", " ", "\n\t\r "])
    func emptyInput(text: String) {
        #expect(rejection(text)?.message.contains("empty input") == true)
    }

    @Test(arguments: [#"{} x"#, "{}{}", "1 2", "[1]]", #""a" "b""#, "nullx", "truefalse"])
    func trailingData(text: String) {
        #expect(rejection(text)?.message.contains("trailing data") == true)
    }

    @Test func trailingDataNamesItsOffset() {
        let error = rejection("{}  x")
        #expect(error?.message == "invalid JSON: unexpected 'x': trailing data after the JSON value at byte offset 4")
        #expect(error?.details["offset"] == "4")
    }

    @Test func nestingDeeperThanTheLimit() {
        let depth = JSONLimits.maxDepth + 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = rejection(arrays)
        #expect(error?.message.contains("nesting deeper than 64") == true)
        #expect(error?.details["offset"] == "64")

        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(rejection(objects)?.message.contains("nesting deeper than 64") == true)

        // A hostile document far deeper than the stack could take is refused too.
        #expect(rejection(String(repeating: "[", count: 1_000_000))?.message.contains("nesting") == true)
    }

    @Test func numberLongerThanTheLimit() {
        let literal = String(repeating: "1", count: JSONLimits.maxNumberLength + 1)
        let error = rejection("[\(literal)]")
        #expect(error?.message.contains("longer than 64") == true)
        #expect(error?.details["offset"] == "1")
        #expect(rejection("-0." + String(repeating: "0", count: 62))?.message.contains("longer than 64") == true)
    }

    @Test(arguments: ["01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "--1", "1.e3", "-.5"])
    func invalidNumbers(text: String) {
        #expect(rejection(text) != nil)
    }

    @Test func duplicateKeysAreRefused() {
        let error = rejection(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.message == "invalid JSON: duplicate object key 'a' at byte offset 13")
        #expect(rejection(#"{"x":{"k":1,"k":1}}"#)?.message.contains("duplicate object key 'k'") == true)
        // Escaped and raw spellings of the same key are the same key.
        #expect(rejection(#"{"A":1,"\u0041":2}"#)?.message.contains("duplicate") == true)
    }

    @Test func duplicateKeysInLargeObjectsAreRefused() {
        let members = (0..<100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(rejection(#"{\#(members),"k57":0}"#)?.message.contains("duplicate object key 'k57'") == true)
    }

    @Test(arguments: [
        ([0x22, 0xC3, 0x28, 0x22], 1),  // bad continuation byte
        ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong '/'
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // UTF-8-encoded surrogate U+D800
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
        ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // invalid lead byte
        ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),  // truncated sequence
        ([0x22, 0x80, 0x22], 1),  // stray continuation
        ([0x22, 0xFF, 0x22], 1),
        ([0xFF], 0),  // outside a string
        ([0x5B, 0xC3, 0xA9, 0x5D], 1),  // valid UTF-8 but not a JSON token -> still refused
        ([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D], 2),  // in a key
        ([0x22, 0x5C, 0x6E, 0xC3, 0x22], 3),  // after an escape
    ] as [([UInt8], Int)])
    func invalidUTF8IsRefusedWithItsOffset(bytes: [UInt8], offset: Int) {
        let error = rejection(bytes)
        #expect(error?.details["offset"] == "\(offset)")
        if bytes != [0x5B, 0xC3, 0xA9, 0x5D] {
            #expect(error?.message.contains("invalid UTF-8") == true)
        }
    }

    @Test func nulIsRefused() {
        #expect(rejection([0x22, 0x61, 0x00, 0x62, 0x22])?.message.contains("NUL") == true)
        #expect(rejection(#""a\u0000b""#)?.message.contains("NUL") == true)
        #expect(rejection(#"{"k\u0000":1}"#)?.message.contains("NUL") == true)
        #expect(rejection([0x00])?.message.contains("NUL") == true)
        #expect(rejection([0x5B, 0x31, 0x00, 0x5D])?.message.contains("NUL") == true)
    }

    @Test(arguments: [#""\ud800""#, #""\ud800x""#, #""\ud800\u0041""#, #""\udc00""#, #""a\uDFFF""#, #""\ud800\ud800""#])
    func loneSurrogatesAreRefused(text: String) {
        #expect(rejection(text)?.message.contains("lone") == true)
    }

    @Test(arguments: [0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func unescapedControlCharactersAreRefused(byte: UInt8) {
        let error = rejection([0x22, 0x61, byte, 0x22])
        #expect(error?.message.contains("control character") == true)
        #expect(error?.details["offset"] == "2")
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\"#, #""\'""#, #""\U0041""#])
    func invalidEscapesAreRefused(text: String) {
        #expect(rejection(text) != nil)
    }

    @Test(arguments: [
        "tru", "nul", "True", "NULL", "fals", "[1,]", "[,1]", "{,}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#,
        "{1:2}", "{'a':1}", "[1 2]", #"{"a":1 "b":2}"#, "[", "{", #""abc"#, #"{"a":[1,2}"#, "]", "}", ":",
    ])
    func syntaxErrorsAreRefused(text: String) {
        let error = rejection(text)
        #expect(error?.message.hasPrefix("invalid JSON: ") == true)
        #expect(error?.message.contains("at byte offset") == true)
    }

    @Test func byteOrderMarkIsRefused() {
        #expect(rejection([0xEF, 0xBB, 0xBF, 0x7B, 0x7D])?.details["offset"] == "0")
    }
}
