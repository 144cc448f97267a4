import FastDecode
import MarketSource
import Ring
import Synchronization
import ThreadSupport

/// The source side of a ``MarketPipeline``: decodes lines on the source's thread and hands the
/// events to the engine thread through the lock-free ring. One feeder per pipeline, used by one
/// thread at a time.
///
/// Plainly `Sendable`: the decoder (and what the feeder last published of its counts) is the
/// source thread's, in a `ThreadBound` (the first thread to feed owns it), checked once per line
/// or batch of events; the rest is immutable or atomic.
@usableFromInline package final class PipelineFeeder: FrameFeeder, Sendable {
    /// Asset names ↔ ids (the decoder's directory, shared with the engine).
    package let assets: AssetDirectory
    let source: ThreadBound<SourceSide>
    @usableFromInline let ring: SPSCRing<DecodedEvent>
    @usableFromInline let wait: Bool
    let wakeup: ThreadWakeup
    /// Where the decoder's refusals are published for `/metrics` (once per line).
    let counters: PipelineCounters

    /// The feeding thread's state.
    struct SourceSide {
        /// The decoder (its statistics describe everything fed).
        let decoder: MarketDecoder
        /// The decoder's malformed count last published.
        var publishedMalformed = 0

        init(decoder: MarketDecoder) { self.decoder = decoder }

        /// Decodes one line into the ring and publishes the refusal counts (``PipelineFeeder/feed(line:readable:)``).
        @inline(__always)
        mutating func feed(
            line: UnsafeRawBufferPointer, readable: Int, ring: SPSCRing<DecodedEvent>, wait: Bool,
            counters: PipelineCounters
        ) {
            if wait {
                decoder.decode(line: line, readable: readable) { event in ring.pushWaiting(event) }
            } else {
                decoder.decode(line: line, readable: readable) { event in ring.push(event) }
                ring.publish()
            }
            publishDecodeCounts(to: counters)
        }

        /// Stores the decoder's refusal counts where any thread reads them, when they changed (a
        /// line of good input costs one read of the decoder's total).
        mutating func publishDecodeCounts(to counters: PipelineCounters) {
            let total = decoder.malformedTotal
            guard total != publishedMalformed else { return }
            publishedMalformed = total
            counters.decoderAbsurdValues.store(decoder.stats.malformed(.absurdValue), ordering: .relaxed)
            counters.malformedInput.store(total, ordering: .relaxed)
        }
    }

    init(
        decoder: MarketDecoder, ring: SPSCRing<DecodedEvent>, backpressure: PipelineConfiguration.Backpressure,
        wakeup: ThreadWakeup, counters: PipelineCounters
    ) {
        assets = decoder.assets
        source = ThreadBound(ownedByFirstUser: SourceSide(decoder: decoder))
        self.counters = counters
        self.ring = ring
        self.wakeup = wakeup
        self.wait = backpressure == .wait
    }

    /// Decodes one line (CDP event or perf-log entry) and queues its events; publishes them to
    /// the engine once per line. `readable`: bytes readable from the line's start (see
    /// ``MarketDecoder/decode(line:readable:_:)``). Feeding thread only.
    @usableFromInline package func feed(line: UnsafeRawBufferPointer, readable: Int) {
        // Through `value` (one owner check) and a method of the side: a closure given to
        // `withValue` here was called through a context on every line (+3 % instructions per
        // line, callgrind).
        source.value.feed(line: line, readable: readable, ring: ring, wait: wait, counters: counters)
        wakeup.notify()
    }

    /// Like ``feed(line:readable:)``, showing each event to `observe` (on this thread) first.
    @usableFromInline package func feed(line: UnsafeRawBufferPointer, readable: Int, observe: (DecodedEvent) -> Void) {
        let ring = self.ring
        let wait = self.wait
        source.withValue { side in
            side.decoder.decode(line: line, readable: readable) { event in
                observe(event)
                if wait { ring.pushWaiting(event) } else { ring.push(event) }
            }
            if !wait { ring.publish() }
            side.publishDecodeCounts(to: counters)
        }
        wakeup.notify()
    }

    /// Queues already-decoded events (a Redis-fed source) and publishes them once. Feeding thread only.
    package func feed(events: some Sequence<DecodedEvent>) {
        let ring = self.ring
        source.withValue { _ in  // the ring's producer side is the feeding thread's too
            if wait {
                for event in events { ring.pushWaiting(event) }
            } else {
                for event in events { ring.push(event) }
                ring.publish()
            }
        }
        wakeup.notify()
    }

    /// The decoder's statistics (everything fed so far). Feeding thread only (a feeder never fed
    /// belongs to the first thread that asks).
    package var decodeStats: DecodeStats { source.withValue { $0.decoder.stats } }

    /// Events dropped because the ring was full (live sources only).
    @usableFromInline package var dropped: Int { ring.dropped }
}
