import Dispatch
import Synchronization

/// Lets the publisher thread sleep while its ring is empty and wakes it when the engine publishes,
/// with a syscall only when it is parked (the same scheme as the engine's ThreadWakeup).
final class Wakeup: Sendable {
    private let parked = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Producer side, after publishing.
    @inline(__always)
    func notify() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if parked.load(ordering: .relaxed), parked.exchange(false, ordering: .acquiringAndReleasing) {
            semaphore.signal()
        }
    }

    /// Consumer side: parks until notified or `timeout` seconds pass, unless `stillEmpty` says
    /// work arrived meanwhile.
    func park(timeout: Double, stillEmpty: () -> Bool) {
        parked.store(true, ordering: .sequentiallyConsistent)
        guard stillEmpty() else {
            if !parked.exchange(false, ordering: .acquiringAndReleasing) { semaphore.wait() }
            return
        }
        if semaphore.wait(timeout: .now() + timeout) == .timedOut {
            if !parked.exchange(false, ordering: .acquiringAndReleasing) { semaphore.wait() }
        }
    }
}

/// Monotonic seconds.
package func redisMonotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

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
