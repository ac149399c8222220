import Ledger
import LedgerTestSupport
import Testing

/// The parser's number limit (JSONLimits.maxNumberLength) is about what
/// PostgreSQL stores: numbers at the limit are stored written out in at most
/// that many characters, and nothing the parser accepts overflows `numeric`.
@Suite("Numbers as PostgreSQL stores them")
struct NumberStorageTests {
    @Test("numbers at the parser's limit are stored in at most maxStoredNumberLength characters; every double is accepted")
    func boundaryNumbersAreStoredWithinTheLimit() async throws {
        let literals = ["1e399", "-1e398", "1e-398", "0e-398", "0.5e-397", "100e397", "0.0001e400", "-9.99e397", "1E+0", "0e9999999", "-0e999999",
                        "4.9406564584124654e-324", "-1.7976931348623157e308", "1.2330100502784997e-141"]
        let database = try await TestCluster.shared.freshDatabase()
        let store = try await database.store()
        let line = #"{"type":"InstanceRegistered","data":{"instance":"exec-01","role":"execution","n":["#
            + literals.joined(separator: ",") + "]}}"
        #expect(try await store.append(lines: [line]).positions == [1])
        let stored = try await store.connection.execute(
            "SELECT length(n) FROM mcledger.events, jsonb_array_elements_text(data->'n') AS n ORDER BY length(n) DESC")
        #expect(stored.count == literals.count)
        #expect((stored.int(0, 0) ?? .max) <= JSONLimits.maxStoredNumberLength, "longest stored number: \(stored.int(0, 0) ?? -1)")
        #expect(try await Verifier(store: store).verify().ok)
    }
}
