import Testing
import Ledger

@Suite("Name formats")
struct NameFormatTests {
    @Test(arguments: [
        (NameFormat.instance, "exec-01"), (.instance, "a.b_C-9"), (.instance, String(repeating: "i", count: 64)),
        (.account, "exec_01"), (.account, String(repeating: "A", count: 64)),
        (.workflow, "mcSynch_exec01"), (.workflow, "wf.v-2"), (.workflow, String(repeating: "w", count: 128)),
        (.eventId, "e42"), (.eventId, "order:2024-06-01.x_y"), (.eventId, String(repeating: "9", count: 128)),
        (.stream, "rtEvent-exec-01.e42"), (.stream, "custom:cat-a:b.c-d"), (.stream, "a-b"),
        (.eventType, "Custom.Thing:v2-x"),
    ])
    func validNames(format: NameFormat, name: String) {
        #expect(format.violation(in: name) == nil)
        #expect(format.isValid(name))
    }

    @Test(arguments: [
        (NameFormat.instance, "", "is empty"),
        (.instance, String(repeating: "i", count: 65), "is 65 characters long, more than 64"),
        (.instance, "exec 01", "contains ' ' (U+0020) at position 5"),
        (.instance, "exec:01", "contains ':'"),
        (.instance, "ex\u{E9}c", "contains '\u{E9}' (U+00E9) at position 3"),
        (.instance, "a/b", "contains '/'"),
        (.instance, "a\nb", #"contains '\n' (U+000A) at position 2"#),
        (.account, "exec-01", "contains '-'"),
        (.account, "exec.01", "contains '.'"),
        (.account, String(repeating: "a", count: 65), "more than 64"),
        (.workflow, String(repeating: "w", count: 129), "is 129 characters long, more than 128"),
        (.workflow, "wf;drop", "contains ';'"),
        (.eventId, "", "is empty"),
        (.eventId, String(repeating: "e", count: 129), "more than 128"),
        (.eventId, "e'42", "contains '''"),
        (.eventId, "e\u{1F600}", "contains '\u{1F600}' (U+1F600) at position 2"),
        (.stream, "nodash", "has no '-'"),
        (.stream, "-x", "empty category"),
        (.stream, "cat-", "nothing after its category"),
        (.stream, "a b-c", "contains ' '"),
        (.stream, "c-" + String(repeating: "s", count: 255), "more than 256"),
        (.eventType, "Has Space", "contains ' '"),
    ])
    func invalidNamesSayWhy(format: NameFormat, name: String, reason: String) throws {
        let violation = try #require(format.violation(in: name))
        #expect(violation.contains(reason), "\(violation)")
        #expect(!format.isValid(name))
    }

    @Test func patternsAreDocumented() {
        #expect(NameFormat.instance.pattern == "[A-Za-z0-9_.-]{1,64}")
        #expect(NameFormat.account.pattern == "[A-Za-z0-9_]{1,64}")
        #expect(NameFormat.workflow.pattern == "[A-Za-z0-9_.-]{1,128}")
        #expect(NameFormat.eventId.pattern == "[A-Za-z0-9_.:-]{1,128}")
    }

    @Test func everyAllowedByteAndNoOther() {
        let alphanumeric = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_".utf8))
        let expected: [NameFormat: Set<UInt8>] = [
            .instance: alphanumeric.union(".-".utf8), .account: alphanumeric,
            .workflow: alphanumeric.union(".-".utf8), .eventId: alphanumeric.union(".:-".utf8),
            .eventType: alphanumeric.union(".:-".utf8),
        ]
        for (format, allowed) in expected {
            for byte in UInt8(0x01)...UInt8(0x7F) {
                let name = "a" + String(decoding: [byte], as: UTF8.self)
                #expect(format.isValid(name) == allowed.contains(byte), "\(format) \(byte)")
            }
        }
    }
}
