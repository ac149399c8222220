import Synchronization

/// A value that a test's tasks and threads share, behind a lock (a class, so
/// that escaping closures can capture it, which a `Mutex` itself cannot be).
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    /// The current value.
    public var value: Value {
        mutex.withLock { $0 }
    }

    public func set(_ value: Value) {
        mutex.withLock { $0 = value }
    }

    /// Changes the value in place, under the lock.
    public func update(_ body: (inout Value) -> Void) {
        mutex.withLock { body(&$0) }
    }
}
