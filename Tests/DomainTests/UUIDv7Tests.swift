import Foundation
import Testing
import Ledger

// Serialized: the past-date test resets the process-wide v7 clock, which must not
// interleave with the ordering test.
@Suite("UUID v7", .serialized)
struct UUIDv7Tests {
    @Test func hasVersionAndVariant() {
        for _ in 0..<100 {
            let uuid = UUID.v7()
            #expect(uuid.version == 7)
            #expect(uuid.uuid.8 & 0xC0 == 0x80)
            #expect(uuid.lowercasedString == uuid.uuidString.lowercased())
            #expect(uuid.lowercasedString.count == 36)
        }
    }

    @Test func carriesTheTimestamp() {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let uuid = UUID.v7()
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let millis = timestamp(of: uuid)
        #expect(millis >= before && millis <= after + 1)

        // A date far from the last one issued is used exactly.
        let past = Date(timeIntervalSince1970: 1_000_000_000.123)
        #expect(timestamp(of: UUID.v7(now: past)) == 1_000_000_000_123)
    }

    @Test func sortsInGenerationOrder() {
        let uuids = (0..<5000).map { _ in UUID.v7() }
        let texts = uuids.map(\.lowercasedString)
        #expect(texts == texts.sorted())
        #expect(Set(texts).count == texts.count)
    }

    private func timestamp(of uuid: UUID) -> UInt64 {
        let b = uuid.uuid
        return [b.0, b.1, b.2, b.3, b.4, b.5].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
