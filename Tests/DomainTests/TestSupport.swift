import Ledger

/// A data object with string members, in the order given by `pairs`' sorted keys
/// (order does not matter to decoding).
func data(_ members: [String: String]) -> JSONObject {
    JSONObject(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.string($0.value)) })
}

/// A data object with arbitrary JSON members.
func data(_ members: [(String, JSONValue)]) -> JSONObject {
    JSONObject(members.map { (key: $0.0, value: $0.1) })
}

/// A tiny deterministic generator (SplitMix64) for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
