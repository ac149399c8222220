import Synchronization

/// Stream heads (version and state) as this process's own committed appends
/// left them, so that the next append can be validated and sent in one round
/// trip without reading them again.
///
/// A hint, never an authority: another writer may have moved a stream since.
/// `append_events` checks every head an append states under the append lock
/// (the stated version must exist and the next must not), so an append
/// validated against a stale or missing entry fails as a whole and is checked
/// again against heads read under the lock (`AppendPlan`). A stream not
/// here is assumed not to exist yet, which holds for most streams a bulk
/// load or a service creates.
///
/// Bounded: two generations of at most `AppendLimits.cachedStreamHeads / 2`
/// streams each; when the newer fills up, the older is dropped. A stream
/// used again recently stays (it is copied into the newer generation).
public final class StreamHeadCache: Sendable {
    /// A stream's version and the state its next event is checked against.
    public struct Head: Sendable, Equatable {
        public var version: Int
        public var state: StreamState
    }

    private struct Generations {
        var newer: [String: Head] = [:]
        var older: [String: Head] = [:]
    }

    private let generations = Mutex(Generations())
    private let generationCapacity: Int

    /// A cache of at most `capacity` streams.
    public init(capacity: Int = AppendLimits.cachedStreamHeads) {
        precondition(capacity >= 2, "a stream head cache holds at least two streams")
        generationCapacity = capacity / 2
    }

    /// The known heads among `streams`.
    func heads<S: Sequence>(of streams: S) -> [String: Head] where S.Element == String {
        generations.withLock { cache in
            var found: [String: Head] = [:]
            for stream in streams {
                if let head = cache.newer[stream] {
                    found[stream] = head
                } else if let head = cache.older[stream] {
                    found[stream] = head
                    Self.insert(stream, head, into: &cache, capacity: generationCapacity)
                }
            }
            return found
        }
    }

    /// Records heads that a committed transaction left. A stream already
    /// cached at a higher version keeps it: transactions on two connections
    /// may report their commits out of order, and versions only grow.
    func record(_ heads: [String: Head]) {
        generations.withLock { cache in
            for (stream, head) in heads {
                // A stream in the newer generation is updated in place (one lookup).
                if let slot = cache.newer.index(forKey: stream) {
                    if cache.newer.values[slot].version < head.version { cache.newer.values[slot] = head }
                    continue
                }
                if let cached = cache.older[stream], cached.version > head.version { continue }
                Self.insert(stream, head, into: &cache, capacity: generationCapacity)
            }
        }
    }

    /// Forgets `streams` (an append whose outcome is not known touched them).
    func forget<S: Sequence>(_ streams: S) where S.Element == String {
        generations.withLock { cache in
            for stream in streams {
                cache.newer[stream] = nil
                cache.older[stream] = nil
            }
        }
    }

    /// How many streams are cached (both generations; a stream in both counts twice).
    public var count: Int {
        generations.withLock { $0.newer.count + $0.older.count }
    }

    /// Puts `stream`, not in the newer generation, into it.
    private static func insert(_ stream: String, _ head: Head, into cache: inout Generations, capacity: Int) {
        if cache.newer.count >= capacity {
            cache.older = cache.newer
            cache.newer = [:]
            cache.newer.reserveCapacity(capacity)
        }
        cache.newer[stream] = head
    }
}
