import Foundation

extension DemoScenario {
    /// When things happen, in milliseconds after `start`.
    struct Timeline: Sendable {
        static let second: Int64 = 1_000
        static let minute: Int64 = 60 * second
        /// Every required workflow is started: the deployment is ready.
        static let ready: Int64 = 20 * minute
        /// Traffic begins once every workflow is started.
        static let trafficStart: Int64 = 30 * minute
        /// 25 events a second in all: 30,000 an hour per instance, within the
        /// 50,000 an hour one execution server is sized for.
        static let meanArrivalGap = 40.0

        /// The expected duration of the traffic (arrivals are random).
        let trafficSpan: Int64
        let failure: Int64
        let restart: Int64
        /// The standby control instance and its account are registered.
        let standby: Int64
        let disable: Int64
        let pause: Int64

        init(transactionalEvents: Int) {
            let span = Int64(Double(transactionalEvents) * Self.meanArrivalGap)
            // A fraction of the way through the traffic, and at least a second after `previous`.
            func at(_ fraction: Double, after previous: Int64) -> Int64 {
                Swift.max(previous + Self.second, Self.trafficStart + Int64(Double(span) * fraction))
            }
            let failure = at(0.35, after: Self.trafficStart)
            let restart = at(0.42, after: failure)
            let standby = at(0.50, after: restart)
            let disable = at(0.60, after: standby + Self.minute)
            trafficSpan = span
            self.failure = failure
            self.restart = restart
            self.standby = standby
            self.disable = disable
            pause = at(0.85, after: disable)
        }
    }
}
