import Metrics
import Ring
import Synchronization
import ThreadSupport

/// The publisher's figures (relaxed atomics; any thread reads them, `/metrics` and `/health`).
package final class RedisPublisherCounters: Sendable {
    /// Whether the publisher holds a working connection.
    package let connected = Atomic<Bool>(false)
    /// Ticks acknowledged by Redis.
    package let ticks = Atomic<Int>(0)
    /// Candles acknowledged by Redis.
    package let candles = Atomic<Int>(0)
    /// Pipelined round trips.
    package let batches = Atomic<Int>(0)
    /// Payout lists written (`qflux:payouts`).
    package let payoutLists = Atomic<Int>(0)
    /// Records waiting in the publisher's backlog (not counting the ring).
    package let backlog = Atomic<Int>(0)
    /// The largest backlog seen.
    package let backlogPeak = Atomic<Int>(0)
    /// Records dropped: the ring was full (the publisher fell behind), or the backlog was full
    /// (Redis unreachable for long), or undeliverable at the end, or a payout list had no finite
    /// time.
    package let dropped = Atomic<Int>(0)
    /// Error replies from Redis (the record is not retried).
    package let errors = Atomic<Int>(0)
    /// Connections opened after the first.
    package let reconnects = Atomic<Int>(0)
    /// Failed connection attempts.
    package let connectFailures = Atomic<Int>(0)
    /// Monotonic time (bit pattern) since which records have been waiting; 0 when none wait.
    package let waitingSinceBits = Atomic<UInt64>(0)
    /// Capacity of the backlog (for health).
    package let maxBacklog: Int

    init(maxBacklog: Int) { self.maxBacklog = maxBacklog }

    /// Seconds the oldest waiting record has waited (0 when nothing waits).
    package var lagSeconds: Double {
        let bits = waitingSinceBits.load(ordering: .relaxed)
        guard bits != 0 else { return 0 }
        return max(0, monotonicNow() - Double(bitPattern: bits))
    }
}
