import Foundation
import Ledger

extension DemoScenario {
    /// The fixed pieces of the lines, as text, built once per generator so
    /// that a line is a dozen appends.
    final class Fragments: Sendable {
        /// Enough for the longest status line without reallocating.
        static let lineCapacity = 448

        let statusLineStart = "{\"type\":\"EventStatusChanged\",\"eventId\":\""
        /// `","data":{"instance":"mc-exec-01","eventId":"evt-01-`, per instance.
        let eventDataPrefixes = zip(Topology.executions, Topology.eventPrefixes).map {
            "\",\"data\":{\"instance\":\"\($0)\",\"eventId\":\"\($1)"
        }
        /// `","queue":"realtime","to":"pending","eventType":"ORDER_CONFIRMATION","channel":"email"`,
        /// per ``middleIndex(realtime:status:profile:channel:)``.
        let statusMiddles: [String]
        /// `,"reason":"..."`, per ``Reason``.
        let reasons = Reason.allCases.map { ",\"reason\":" + JSONLiteral.quoted($0.text) }
        /// `,"recycledFrom":"evt-01-`, per instance.
        let recycledPrefixes = Topology.eventPrefixes.map { ",\"recycledFrom\":\"\($0)" }
        /// `},"metadata":{"actor":"mc-exec-01","at":"`, per instance.
        let statusMetadataPrefixes = Topology.executions.map { "},\"metadata\":{\"actor\":\"\($0)\",\"at\":\"" }
        let threeDigits = (0..<1_000).map { DemoScenario.padded($0, width: 3) }
        let fourDigits = (0..<10_000).map { DemoScenario.padded($0, width: 4) }

        init() {
            assert(Status.count == Status.allCases.count && Channel.count == Channel.allCases.count)
            var middles: [String] = []
            for queue in ["realtime", "batch"] {
                for status in Status.names {
                    for profile in EventProfile.all {
                        for channel in Channel.names {
                            middles.append(
                                "\",\"queue\":\"\(queue)\",\"to\":\"\(status)\",\"eventType\":\"\(profile.name)\",\"channel\":\"\(channel)\"")
                        }
                    }
                }
            }
            statusMiddles = middles
        }

        static func middleIndex(realtime: Bool, status: Status, profile: Int, channel: Channel) -> Int {
            (((realtime ? 0 : 1) * Status.count + status.rawValue) * EventProfile.count + profile)
                * Channel.count + channel.rawValue
        }
    }

    /// RFC 3339 UTC times with milliseconds, `start` plus a simulated offset,
    /// e.g. `2026-01-01T10:02:03.045Z`.
    struct SimulatedClock: Sendable {
        private let startMilliseconds: Int64
        /// `.000Z` to `.999Z`.
        private let fractions = (0..<1_000).map { "." + DemoScenario.padded($0, width: 3) + "Z" }
        private var cachedSecond = Int64.min
        private var cachedSecondText = ""

        init(start: Date) {
            startMilliseconds = Int64((start.timeIntervalSince1970 * 1_000).rounded(.down))
        }

        /// The time `offset` milliseconds after `start`; cheap while the second does not change.
        mutating func text(_ offset: Int64) -> String {
            let milliseconds = startMilliseconds + offset
            let second = Self.floorDivide(milliseconds, 1_000)
            if second != cachedSecond {
                cachedSecond = second
                cachedSecondText = Self.secondText(second)
            }
            return cachedSecondText + fractions[Int(milliseconds - second * 1_000)]
        }

        /// The same, without the cache.
        func format(_ offset: Int64) -> String {
            let milliseconds = startMilliseconds + offset
            let second = Self.floorDivide(milliseconds, 1_000)
            return Self.secondText(second) + fractions[Int(milliseconds - second * 1_000)]
        }

        private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
            let quotient = value / divisor
            return value % divisor < 0 ? quotient - 1 : quotient
        }

        /// `YYYY-MM-DDTHH:MM:SS` of a second counted from 1970-01-01T00:00:00Z
        /// (proleptic Gregorian).
        private static func secondText(_ seconds: Int64) -> String {
            let days = floorDivide(seconds, 86_400)
            let secondOfDay = Int(seconds - days * 86_400)
            let (year, month, day) = CivilDate.of(daysSince1970: days)
            let padded = DemoScenario.padded
            return padded(Int(year), 4) + "-" + padded(Int(month), 2) + "-" + padded(Int(day), 2) + "T"
                + padded(secondOfDay / 3_600, 2) + ":" + padded(secondOfDay / 60 % 60, 2) + ":"
                + padded(secondOfDay % 60, 2)
        }
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    fileprivate static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    /// JSON string literals for the generator's own text.
    enum JSONLiteral {
        /// `text` as a JSON string literal, quotes included, with `"`, `\` and the
        /// control characters escaped (other characters are written as they are).
        static func quoted(_ text: String) -> String {
            var result = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                case "\u{08}": result += "\\b"
                case "\u{0C}": result += "\\f"
                case "\u{00}"..."\u{1F}":
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: result.unicodeScalars.append(scalar)
                }
            }
            return result + "\""
        }
    }
}
