/// "May message templates be deployed?" at one position of the ledger.
public struct ReadinessAnswer: Sendable, Equatable {
    /// One requirement that does not hold.
    public struct Missing: Sendable, Equatable {
        /// The instance the workflow belongs to (the control instance, for archiving workflows).
        public var instance: String
        public var workflow: String
        /// The workflow's current state, or `absent`.
        public var state: String
        /// What is needed, e.g. `started`.
        public var need: String

        public init(instance: String, workflow: String, state: String, need: String) {
            self.instance = instance
            self.workflow = workflow
            self.state = state
            self.need = need
        }
    }

    /// One execution or minimal instance.
    public struct InstanceStatus: Sendable, Equatable {
        public var instance: String
        public var role: String
        public var required: Bool
        public var ready: Bool
        public var missing: [Missing]
    }

    /// True when at least one instance is required and every required instance is ready.
    public var ready: Bool
    /// The ledger position this answer reflects.
    public var position: Int
    /// Every execution and minimal instance known, by name.
    public var instances: [InstanceStatus]
}
