#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A waiting strategy for a thread that polls a ring: spin briefly, then yield the CPU, then
/// sleep in growing steps up to ``maxSleepMicroseconds``. Call ``wait()`` each time a poll finds
/// nothing to do and ``reset()`` after progress.
///
/// Spinning keeps hand-off latency low when the other side is about to act; sleeping keeps an
/// idle or blocked side from burning a core on this 2-core class of machine.
@usableFromInline package struct SpinBackoff: Sendable {
    /// Polls answered by spinning before the first yield.
    @usableFromInline package var spins: Int
    /// Polls answered by `sched_yield` before the first sleep.
    @usableFromInline package var yields: Int
    /// Longest sleep, microseconds.
    @usableFromInline package var maxSleepMicroseconds: UInt32
    /// Polls since the last ``reset()``.
    @usableFromInline package private(set) var attempts = 0

    /// Creates a backoff (defaults: 64 spins, 16 yields, sleeps of 50 µs doubling up to 1 ms).
    @usableFromInline package init(spins: Int = 64, yields: Int = 16, maxSleepMicroseconds: UInt32 = 1_000) {
        self.spins = spins
        self.yields = yields
        self.maxSleepMicroseconds = maxSleepMicroseconds
    }

    /// Waits once, longer the more often it was called since the last reset.
    @usableFromInline package mutating func wait() {
        let n = attempts
        attempts += 1
        if n < spins { return }
        if n < spins + yields { sched_yield(); return }
        let steps = min(n - spins - yields, 5)
        usleep(min(UInt32(50) << UInt32(steps), maxSleepMicroseconds))
    }

    /// Starts over with spinning.
    @usableFromInline package mutating func reset() { attempts = 0 }
}
