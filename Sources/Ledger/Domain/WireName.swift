/// An enum whose raw values are wire names, looked up byte for byte.
///
/// `init(rawValue:)` of a `String` enum goes through a generic string switch
/// that is slow on the append hot path; this lookup compares lengths first.
protocol WireName: RawRepresentable, CaseIterable where RawValue == String {}

extension WireName {
    /// The case whose raw value has exactly the bytes of `name`, or nil.
    @inline(__always)
    static func named(_ name: String) -> Self? {
        for candidate in allCases where JSONText.sameBytes(candidate.rawValue, name) {
            return candidate
        }
        return nil
    }
}

extension DomainEventType: WireName {}
extension InstanceRole: WireName {}
extension EventQueue: WireName {}
extension EventStatus: WireName {}
extension WorkflowKind: WireName {}
