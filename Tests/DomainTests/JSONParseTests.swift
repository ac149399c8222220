import Testing
import Ledger

@Suite("JSON parsing")
struct JSONParseTests {
    @Test func parsesNestedDocument() throws {
        let value = try JSONValue.parse(#" { "a" : 1 , "b" : [ true , null , false , "x" ] , "c" : { } , "d" : [ ] } "#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b", "c", "d"])
        #expect(object["a"] == .number("1"))
        #expect(object["b"] == .array([.bool(true), .null, .bool(false), .string("x")]))
        #expect(object["c"] == .object(JSONObject()))
        #expect(object["d"] == .array([]))
        #expect(value.serialized() == #"{"a":1,"b":[true,null,false,"x"],"c":{},"d":[]}"#)
    }

    @Test func keepsKeyOrderAsWritten() throws {
        let value = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.serialized() == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test(arguments: [
        "0", "-0", "1.50", "1e40", "-1.5E+10", "2e-7", "0.0", "123456789012345678901234567890",
        "-0.000", "1E0",
    ])
    func keepsNumberLiteralsVerbatim(literal: String) throws {
        let value = try JSONValue.parse("[\(literal)]")
        #expect(value == .array([.number(literal)]))
        #expect(value.serialized() == "[\(literal)]")
        #expect(try JSONValue.parse(literal) == .number(literal))
    }

    @Test func acceptsNumberOfMaximumLength() throws {
        let literal = String(repeating: "9", count: JSONLimits.maxNumberLength)
        #expect(try JSONValue.parse(literal) == .number(literal))
    }

    @Test func resolvesEscapes() throws {
        let value = try JSONValue.parse(#""\"\\\/\b\f\n\r\t\u00e9\u00E9\ud83d\ude00\u2028""#)
        #expect(value.stringValue == "\"\\/\u{8}\u{C}\n\r\t\u{E9}\u{E9}\u{1F600}\u{2028}")
    }

    @Test func keepsRawUTF8() throws {
        let text = "\"h\u{E9}llo \u{1F600} \u{200F}\u{05D0}\u{4E2D}\""
        #expect(try JSONValue.parse(text).stringValue == "h\u{E9}llo \u{1F600} \u{200F}\u{05D0}\u{4E2D}")
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONLimits.maxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let value = try JSONValue.parse(text)
        var current = value
        var levels = 0
        while case .array(let inner) = current {
            levels += 1
            guard let first = inner.first else { break }
            current = first
        }
        #expect(levels == depth)

        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(throws: Never.self) { try JSONValue.parse(objects) }
    }

    @Test func parsesEveryInputForm() throws {
        let text = #"{"k":[1,"v"]}"#
        let bytes = Array(text.utf8)
        let expected = try JSONValue.parse(text)
        #expect(try JSONValue.parse(bytes) == expected)
        #expect(try JSONValue.parse(ArraySlice(bytes)) == expected)
        #expect(try bytes.withUnsafeBytes { try JSONValue.parse($0) } == expected)
        // A slice that does not start at index 0.
        let padded = Array("xx\(text)yy".utf8)
        #expect(try JSONValue.parse(padded[2..<(padded.count - 2)]) == expected)
    }

    @Test func largeObjectsWithDistinctKeysAreAccepted() throws {
        let members = (0..<200).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let value = try JSONValue.parse("{\(members)}")
        #expect(value.objectValue?.count == 200)
        #expect(value["k199"] == .number("199"))
    }

    @Test func canonicallyEquivalentKeysAreDistinct() throws {
        // PostgreSQL jsonb compares keys byte for byte: "é" and "e\u0301" are two keys.
        let value = try JSONValue.parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(value.objectValue?.count == 2)
        #expect(value["\u{E9}"] == .number("1"))
        #expect(value["e\u{301}"] == .number("2"))
    }

    @Test func accessors() throws {
        let value = try JSONValue.parse(#"{"s":"x","o":{"k":true},"a":[1],"n":null,"b":false,"i":42}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["o"]?.objectValue?["k"] == .bool(true))
        #expect(value["a"]?.arrayValue == [.number("1")])
        #expect(value["n"]?.isNull == true)
        #expect(value["b"]?.boolValue == false)
        #expect(value["i"]?.integerValue == 42)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["s"]?.objectValue == nil)
        #expect(value["o"]?.stringValue == nil)
    }

    @Test(arguments: [
        ("42", 42), ("0", 0), ("-0", 0), ("-3", -3), ("9223372036854775807", Int.max),
    ])
    func integerValueOfIntegerLiterals(literal: String, expected: Int) {
        #expect(JSONValue.number(literal).integerValue == expected)
    }

    @Test(arguments: ["4.0", "4e0", "1E2", "9223372036854775808", "-9223372036854775809", "0.5"])
    func integerValueIsNilForOtherLiterals(literal: String) {
        #expect(JSONValue.number(literal).integerValue == nil)
    }

    @Test func nonNegativeInt32AcceptsItsRange() throws {
        #expect(try JSONValue.number("0").nonNegativeInt32(field: "expectedVersion") == 0)
        #expect(try JSONValue.number("2147483647").nonNegativeInt32(field: "expectedVersion") == 2_147_483_647)
    }

    @Test(arguments: [
        JSONValue.number("-1"), .number("2147483648"), .number("1.5"), .number("1e2"), .string("3"), .null,
        .bool(true),
    ])
    func nonNegativeInt32RefusesOthers(value: JSONValue) {
        let error = #expect(throws: LedgerError.self) { try value.nonNegativeInt32(field: "expectedVersion") }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("expectedVersion") == true)
        #expect(error?.details["field"] == "expectedVersion")
    }
}
