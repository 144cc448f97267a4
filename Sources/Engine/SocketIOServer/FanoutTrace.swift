import Synchronization
import ThreadSupport

/// One drained batch of candle updates, as ``FanoutTrace`` saw it: nanoseconds from the
/// publisher's `post` (the oldest not yet drained) to the network thread taking the batch, to its
/// first and to its last direct `send`, and how many sessions were written directly or left to a
/// writeable callback.
package struct FanoutTraceSample: Sendable, Equatable {
    /// `post` → the network thread starts draining (the wake-up).
    package var toDrain: UInt64
    /// `post` → the first direct write of the batch returned (0: none was written directly).
    package var toFirstSend: UInt64
    /// `post` → the last direct write of the batch returned (0: none was written directly).
    package var toLastSend: UInt64
    /// Sessions written right after routing.
    package var direct: Int
    /// Sessions left to their writeable callback (a write still buffered, a closing or slow client).
    package var deferred: Int
}

/// Where a fan-out's time goes, per drained batch (``StreamServerConfig/traceFanout``): the bench
/// reads "ring → first send" and "ring → last send" from it. Off (the default) it costs one
/// untaken branch per batch and per direct write; on, one clock read per published batch and
/// three per drained batch, and one lock per drained batch on the network thread.
final class FanoutTrace: Sendable {
    /// Tracing is on (fixed for the server's life).
    let enabled: Bool
    /// Most samples kept (the oldest are kept; later ones are dropped until ``take()``).
    static let capacity = 1 << 16
    /// The oldest publish not yet drained (monotonic ns), 0 when none.
    private let oldestPost = Atomic<UInt64>(0)
    private let samples = Locked<[FanoutTraceSample]>([])

    init(enabled: Bool) { self.enabled = enabled }

    /// Publisher side, before the batch is published: stamps it unless an older one is waiting.
    @inline(__always)
    func posting() {
        guard enabled else { return }
        _ = oldestPost.compareExchange(
            expected: 0, desired: monotonicNanos(), ordering: .relaxed)
    }

    /// Network thread, as a drain starts: the stamp of the oldest publish it takes (0: none).
    func takePostTime() -> UInt64 {
        oldestPost.exchange(0, ordering: .relaxed)
    }

    /// Network thread: one drained batch.
    func record(_ sample: FanoutTraceSample) {
        samples.withLock { if $0.count < Self.capacity { $0.append(sample) } }
    }

    /// The samples so far (any thread); they are forgotten here.
    func take() -> [FanoutTraceSample] {
        samples.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}
