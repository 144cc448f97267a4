import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Lets a ring's consumer thread (the engine, a sink) sleep when its ring is empty and wakes it as
/// soon as the producer publishes, without a lock or a syscall per publish: the producer only
/// signals when the consumer has said it is parked (a fence and an atomic load per publish
/// otherwise).
package final class ThreadWakeup: Sendable {
    private let parked = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Nobody parked yet.
    package init() {}

    /// Producer side, after publishing: wakes the consumer if it is parked.
    @inline(__always)
    package func notify() {
        // Store (the ring's tail) then load (parked) on this side, store (parked) then load (the
        // tail) on the consumer's: without a full fence both could miss the other (a lost wake-up,
        // bounded by the park timeout).
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        if parked.load(ordering: .relaxed), parked.exchange(false, ordering: .acquiringAndReleasing) {
            semaphore.signal()
        }
    }

    /// Consumer side: parks until notified or `timeout` seconds pass. `stillEmpty` is checked after
    /// announcing the park, so a publish racing with it is never missed.
    package func park(timeout: Double, stillEmpty: () -> Bool) {
        parked.store(true, ordering: .sequentiallyConsistent)
        guard stillEmpty() else {
            // consume the signal sent meanwhile
            if !parked.exchange(false, ordering: .acquiringAndReleasing) { semaphore.wait() }
            return
        }
        if semaphore.wait(timeout: .now() + timeout) == .timedOut {
            // Timed out: withdraw the park; if a producer took it meanwhile, its signal is pending.
            if !parked.exchange(false, ordering: .acquiringAndReleasing) { semaphore.wait() }
        }
    }
}
