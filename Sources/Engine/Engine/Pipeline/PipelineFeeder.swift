import FastDecode
import MarketSource
import Ring
import ThreadSupport
import Synchronization

/// The source side of a ``MarketPipeline``: decodes lines on the source's thread and hands the
/// events to the engine thread through the lock-free ring. One feeder per pipeline, used by one
/// thread at a time.
@usableFromInline package final class PipelineFeeder: FrameFeeder, @unchecked Sendable {  // used by one source thread (checked)
    /// The decoder (its statistics describe everything fed).
    @usableFromInline package let decoder: MarketDecoder
    @usableFromInline let ring: SPSCRing<DecodedEvent>
    @usableFromInline let wait: Bool
    let wakeup: ThreadWakeup
    /// Where the decoder's refusals are published for `/metrics` (once per line).
    let counters: PipelineCounters
    /// The source thread that feeds (the first one to call; checked in debug builds).
    let sourceThread = OwnerThreadCheck(ownedByFirstUser: ())

    init(decoder: MarketDecoder, ring: SPSCRing<DecodedEvent>, backpressure: PipelineConfiguration.Backpressure,
         wakeup: ThreadWakeup, counters: PipelineCounters) {
        self.decoder = decoder
        self.counters = counters
        self.ring = ring
        self.wakeup = wakeup
        self.wait = backpressure == .wait
    }

    /// Decodes one line (CDP event or perf-log entry) and queues its events; publishes them to
    /// the engine once per line. `readable`: bytes readable from the line's start (see
    /// ``MarketDecoder/decode(line:readable:_:)``).
    @usableFromInline package func feed(line: UnsafeRawBufferPointer, readable: Int) {
        sourceThread.assertOwnerOrClaim()
        let ring = self.ring
        if wait {
            decoder.decode(line: line, readable: readable) { event in ring.pushWaiting(event) }
        } else {
            decoder.decode(line: line, readable: readable) { event in ring.push(event) }
            ring.publish()
        }
        publishDecodeCounts()
        wakeup.notify()
    }

    /// The decoder's malformed count last published.
    private var publishedMalformed = 0

    /// Stores the decoder's refusal counts where any thread reads them, when they changed (a line
    /// of good input costs one read of the decoder's total).
    func publishDecodeCounts() {
        let total = decoder.malformedTotal
        guard total != publishedMalformed else { return }
        publishedMalformed = total
        counters.decoderAbsurdValues.store(decoder.stats.malformed(.absurdValue), ordering: .relaxed)
        counters.malformedInput.store(total, ordering: .relaxed)
    }

    /// Like ``feed(line:readable:)``, showing each event to `observe` (on this thread) first.
    @usableFromInline package func feed(line: UnsafeRawBufferPointer, readable: Int, observe: (DecodedEvent) -> Void) {
        sourceThread.assertOwnerOrClaim()
        let ring = self.ring
        let wait = self.wait
        decoder.decode(line: line, readable: readable) { event in
            observe(event)
            if wait { ring.pushWaiting(event) } else { ring.push(event) }
        }
        if !wait { ring.publish() }
        publishDecodeCounts()
        wakeup.notify()
    }

    /// Queues already-decoded events (a Redis-fed source) and publishes them once.
    package func feed(events: some Sequence<DecodedEvent>) {
        sourceThread.assertOwnerOrClaim()
        let ring = self.ring
        if wait {
            for event in events { ring.pushWaiting(event) }
        } else {
            for event in events { ring.push(event) }
            ring.publish()
        }
        wakeup.notify()
    }

    /// Asset names ↔ ids (the decoder's directory, shared with the engine).
    package var assets: AssetDirectory { decoder.assets }

    /// Events dropped because the ring was full (live sources only).
    @usableFromInline package var dropped: Int { ring.dropped }
}
