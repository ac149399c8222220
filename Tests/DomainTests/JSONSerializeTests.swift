import Testing
import Ledger

@Suite("JSON serialization")
struct JSONSerializeTests {
    static let hostileStrings: [String] = [
        "'; DROP TABLE x; --",
        "Robert'); DROP TABLE events;--",
        "\"quoted\" and \\backslashed\\ and \\\"both\\\"",
        "\u{1F600}\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}",
        "\u{200F}\u{202E}abc\u{202C}\u{2066}",
        "\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\u{7F}",
        "e\u{301} vs \u{E9}",
        "</script><script>alert(1)</script>",
        "\u{2028}\u{2029}",
        "\u{FEFF}bom",
        "$1 %s %n {{x}} ${y}",
        "",
        "\\u0000 is not NUL",
        "\u{10FFFF}\u{FFFD}",
    ]

    @Test(arguments: hostileStrings)
    func hostileStringsRoundTripVerbatim(text: String) throws {
        let serialized = JSONValue.string(text).serialized()
        let parsed = try JSONValue.parse(serialized)
        let back = try #require(parsed.stringValue)
        #expect(Array(back.utf8) == Array(text.utf8))

        // Also as a key and nested.
        let object = JSONValue.object(JSONObject([(key: text, value: .array([.string(text)]))]))
        let reparsed = try JSONValue.parse(object.serialized())
        #expect(reparsed == object)
        #expect(reparsed.serialized() == object.serialized())
    }

    @Test func escapesExactly() {
        #expect(JSONValue.string("a\"b\\c/d").serialized() == #""a\"b\\c/d""#)
        #expect(JSONValue.string("\u{8}\u{C}\n\r\t").serialized() == #""\b\f\n\r\t""#)
        #expect(JSONValue.string("\u{1}\u{1F}\u{7F}").serialized() == "\"\\u0001\\u001f\u{7F}\"")
    }

    @Test func leavesNonASCIIAsUTF8() {
        let serialized = JSONValue.string("\u{E9}\u{1F600}\u{200F}").serialized()
        #expect(Array(serialized.utf8) == [0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x80, 0x8F, 0x22])
    }

    @Test func isCompact() throws {
        let value = try JSONValue.parse(" {\n \"a\" : [ 1 , 2.50 , { \"b\" : null } ] ,\t\"c\":\"x y\" } ")
        #expect(value.serialized() == #"{"a":[1,2.50,{"b":null}],"c":"x y"}"#)
    }

    @Test func normalizesEscapesOfTheInput() throws {
        #expect(try JSONValue.parse(#""\u0041\/\u00e9""#).serialized() == "\"A/\u{E9}\"")
    }

    @Test func serializeIntoAppends() throws {
        var out = Array("prefix:".utf8)
        try JSONValue.parse(#"{"k":[true,"\n"]}"#).serialize(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:{"k":[true,"\n"]}"#)
        var objectOut: [UInt8] = []
        JSONObject([(key: "a", value: .null)]).serialize(into: &objectOut)
        #expect(String(decoding: objectOut, as: UTF8.self) == #"{"a":null}"#)
    }

    @Test func roundTripsDocuments() throws {
        let documents = [
            #"{"a":1,"b":[true,null]}"#,
            #"[[],{},[{}],{"":""}]"#,
            #"{"n":[-0,1.50,1e40,-2E-3]}"#,
            #""just a string""#,
            "null", "true", "false", "0",
        ]
        for document in documents {
            let value = try JSONValue.parse(document)
            #expect(value.serialized() == document)
            #expect(try JSONValue.parse(value.serialized()) == value)
        }
    }

    @Test func equalityIsJSONEquality() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) == JSONValue.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) != JSONValue.parse(#"{"a":1,"b":3}"#))
        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":1,"b":2}"#))
        #expect(try JSONValue.parse("[1,2]") != JSONValue.parse("[2,1]"))
        #expect(JSONValue.number("1.0") != .number("1"))
        // Byte equality, not canonical equivalence.
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
        #expect(JSONValue.string("x") != .number("1"))
    }
}
