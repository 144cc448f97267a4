import Dispatch
import Synchronization

/// Reconnect delays: 0.1 s, doubling, at most `maximum` seconds.
package struct Backoff: Sendable {
    /// The first delay.
    package var initial = 0.1
    /// The longest delay.
    package var maximum = 2.0
    private var next = 0.0

    /// A fresh backoff.
    package init(initial: Double = 0.1, maximum: Double = 2.0) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt (grows each call).
    package mutating func delay() -> Double {
        next = next == 0 ? initial : min(maximum, next * 2)
        return next
    }

    /// After a success.
    package mutating func reset() { next = 0 }
}

#if canImport(Glibc)
import Glibc
#endif
