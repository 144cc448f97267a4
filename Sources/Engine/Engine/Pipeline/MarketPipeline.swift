import Archive
import Candles
import FastDecode
import Foundation
import Logging
import RedisBridge
import Ring
import Synchronization
import ThreadSupport

/// Ticks → candles → archive and subscribers. A source thread feeds decoded events through a
/// lock-free SPSC ring (``PipelineFeeder``); the engine thread forms candles for every asset and
/// timeframe, hands ticks and closed candles to the archive thread through another SPSC ring
/// (``ArchiveSink``: the engine never waits on the disk) and each batch of candle events to the
/// sink. Replay and live streaming share it.
///
/// Threads, as types: the pipeline is a plainly `Sendable` handle. The engine state (the candle
/// former, the batch, the sink, the archive's producer side) is an `EngineLoop` in a
/// `ThreadBound`: the constructing thread's until ``start()``, then the engine thread's, which
/// claims it as it starts and enters it once for its whole run (no check per tick or batch). The
/// feeder is the source thread's; a job for the engine thread waits in a `Locked`; counters,
/// ``recent`` and the outcome are safe from any thread. ``finish()`` joins the engine thread.
package final class MarketPipeline: Sendable {
    /// How it runs.
    package let configuration: PipelineConfiguration
    /// Asset names (shared with the decoder, the server and the CLI).
    package let assets: AssetDirectory
    /// Counters readable from any thread.
    package let counters = PipelineCounters()
    /// Recent candles readable from any thread.
    package let recent: RecentCandleStore

    fileprivate let ring: SPSCRing<DecodedEvent>
    fileprivate let inputFinished = Atomic<Bool>(false)
    fileprivate let wakeup = ThreadWakeup()
    private let done = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private let feederMade = Atomic<Bool>(false)
    /// A source waiting to run on the engine thread (``feedOnEngineThread(_:)``); `hasJob` tells
    /// the engine loop (and the park check) without taking the lock.
    fileprivate let pendingJob = Locked<EngineJob?>(nil)
    fileprivate let hasJob = Atomic<Bool>(false)
    /// The longest the idle engine sleeps before it looks at the ring again (a wake-up normally
    /// comes from the feeder within microseconds).
    static let idleParkSeconds = 0.25

    /// The engine thread's state (the constructing thread's until the engine thread claims it).
    private let engine: ThreadBound<EngineLoop>
    private let archive: ArchiveSink?
    /// The Redis publisher (`--publish`), a sink on its own thread like the archive.
    package let publisher: RedisPublisher?
    /// The engine thread's result, set before it ends.
    private let outcome = Locked<Result<PipelineSummary, ArchiveError>?>(nil)

    /// Creates a pipeline; opens the archive when collection is on.
    package init(
        configuration: PipelineConfiguration, assets: AssetDirectory = AssetDirectory(),
        sink: (any PipelineSink)? = nil, logger: Logger
    ) throws(ArchiveError) {
        self.configuration = configuration
        self.assets = assets
        ring = SPSCRing(capacity: configuration.ringCapacity)
        recent = RecentCandleStore(keep: configuration.keepClosedCandles)
        if let archiveConfiguration = configuration.archive, archiveConfiguration.collect != .none {
            archive = try ArchiveSink(
                configuration: archiveConfiguration, assets: assets, ringCapacity: configuration.archiveRingCapacity,
                waitWhenFull: configuration.backpressure == .wait, counters: counters, logger: logger)
        } else {
            archive = nil
        }
        publisher = configuration.publish.map {
            RedisPublisher(
                configuration: $0, assets: assets, waitWhenFull: configuration.backpressure == .wait, logger: logger)
        }
        engine = ThreadBound(
            EngineLoop(
                configuration: configuration, sink: sink, archive: archive?.makeProducer(),
                publisher: publisher, counters: counters, recent: recent))
    }

    /// Sets the sink (before ``start()``, on the thread that created the pipeline); the pipeline
    /// keeps a weak reference.
    package func attach(sink: any PipelineSink) {
        precondition(!started.load(ordering: .relaxed), "attach the sink before starting")
        engine.withValue { $0.sink = sink }
    }

    /// The one feeder of this pipeline (a decoder writing into the ring).
    package func makeFeeder(maxMessageBytes: Int = 256 << 20) throws(DecodeError) -> PipelineFeeder {
        precondition(!feederMade.exchange(true, ordering: .relaxed), "a pipeline has one feeder (single producer)")
        return PipelineFeeder(
            decoder: try MarketDecoder(assets: assets, maxMessageBytes: maxMessageBytes),
            ring: ring, backpressure: configuration.backpressure, wakeup: wakeup, counters: counters)
    }

    /// Starts the engine thread (and the archive thread when collecting).
    package func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        archive?.start()
        publisher?.start()
        let thread = Thread { [self] in
            // The thread start orders this after the constructing thread's last use.
            engine.claim()
            let result = engine.withValue { $0.run(self) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.name = "qflux-engine"
        thread.start()
    }

    /// Marks the end of input, waits until the engine has drained the ring, closes every candle
    /// and the archive. Throws the archive's first close error, if any.
    package func finish() throws(ArchiveError) -> PipelineSummary {
        start()
        inputFinished.store(true, ordering: .releasing)
        wakeup.notify()
        done.wait()
        done.signal()  // finish() may be asked again
        switch outcome.withLock({ $0! }) {
        case let .success(summary): return summary
        case let .failure(error): throw error
        }
    }

    /// Runs `source` on the engine thread and handles every event it delivers there, in the order
    /// delivered, as if it came through the ring but without the hand-off: a replay whose events
    /// come out of decoding threads' own rings (``ParallelFileDecoder``) needs no thread in
    /// between. Events fed earlier through the feeder are handled first; the calling thread waits
    /// until `source` returns and gets its result (or its error). Candle events reach the sink,
    /// the archive and the publisher in batches of at most 4096 delivered events. One source at a
    /// time; do not feed through the feeder meanwhile.
    package func feedOnEngineThread<R>(_ source: (_ deliver: (DecodedEvent) -> Void) throws -> R) throws -> R {
        start()
        return try withoutActuallyEscaping(source) { source in
            var outcome: Result<R, any Error>?
            let job = EngineJob { deliver in outcome = Result { try source(deliver) } }
            pendingJob.withLock { $0 = job }
            hasJob.store(true, ordering: .releasing)
            wakeup.notify()
            job.done.wait()  // the engine ran `source` and every `outcome` write happened before its signal
            return try outcome!.get()
        }
    }

    /// Decode → engine events waiting in the ring (for metrics).
    package var ringFill: Int { ring.count }
    /// Ring capacity.
    package var ringCapacity: Int { ring.capacity }
    /// Events dropped because the ring was full.
    package var ringDropped: Int { ring.dropped }
    /// Records waiting for the disk (ring + held back), for metrics; 0 when not collecting.
    package var archiveBacklog: Int { archive?.backlogCount ?? 0 }
    /// The archive sink's counters, when collecting.
    var archiveCounters: ArchiveSinkCounters? { archive?.counters }
}

/// The engine thread's state and loop (inside the pipeline's `ThreadBound`; not `Sendable`).
private final class EngineLoop {
    let configuration: PipelineConfiguration
    weak var sink: (any PipelineSink)?
    let archive: ArchiveProducer?
    let publisher: RedisPublisher?
    let counters: PipelineCounters
    let recent: RecentCandleStore
    // Dynamic exclusivity checks on these (begin/end access per tick) showed in profiles; the loop
    // is only reached through the pipeline's ThreadBound, on the engine thread, so they are off.
    @exclusivity(unchecked) var former: CandleFormer
    @exclusivity(unchecked) var batch: [CandleEvent] = []
    /// Ticks handled since the last ``endBatch()`` (added to `counters.ticks` there: one atomic
    /// add per batch, not per tick).
    @exclusivity(unchecked) var batchTicks = 0
    /// Broker time of the latest tick handled (NaN before the first): the time of a payout list
    /// the decoder could not stamp.
    @exclusivity(unchecked) var latestTickTime = Double.nan
    /// A payout list that came before any tick: recorded with the first tick's time.
    @exclusivity(unchecked) var payoutsBeforeFirstTick: PayoutSnapshot?

    init(
        configuration: PipelineConfiguration, sink: (any PipelineSink)?, archive: ArchiveProducer?,
        publisher: RedisPublisher?,
        counters: PipelineCounters, recent: RecentCandleStore
    ) {
        self.configuration = configuration
        self.sink = sink
        self.archive = archive
        self.publisher = publisher
        self.counters = counters
        self.recent = recent
        former = CandleFormer(
            timeframes: configuration.timeframes, latenessWindow: configuration.lateness,
            keepClosed: configuration.keepClosedCandles)
        batch.reserveCapacity(8192)
    }

    /// The engine thread's loop, until the input has finished and everything is closed.
    func run(_ pipeline: MarketPipeline) -> Result<PipelineSummary, ArchiveError> {
        let ring = pipeline.ring
        // Spin briefly when the ring runs dry (bursts), then park until the source publishes:
        // an idle engine costs no CPU and wakes within microseconds (no sleep-polling latency).
        var idleRounds = 0
        while true {
            let n = ring.popBatch(max: 4096) { event in handle(event) }
            if n > 0 {
                endBatch()
                idleRounds = 0
                continue
            }
            if pipeline.hasJob.load(ordering: .acquiring) {
                // What the feeder published before the job was submitted comes first.
                if ring.popBatch(max: Int.max, { handle($0) }) > 0 { endBatch(); continue }
                runJob(pipeline)
                idleRounds = 0
                continue
            }
            if pipeline.inputFinished.load(ordering: .acquiring) {
                // Input ended: one last look at the ring, then close everything.
                if ring.popBatch(max: Int.max, { handle($0) }) > 0 { endBatch(); continue }
                former.flush { batch.append($0) }
                endBatch()
                publisher?.finish()
                return closeArchive(ringDropped: ring.dropped)
            }
            idleRounds += 1
            if idleRounds < 64 { continue }
            if idleRounds < 80 { sched_yield(); continue }
            pipeline.wakeup.park(timeout: MarketPipeline.idleParkSeconds) {
                ring.count == 0 && !pipeline.inputFinished.load(ordering: .acquiring)
                    && !pipeline.hasJob.load(ordering: .acquiring)
            }
            idleRounds = 60
        }
    }

    /// Runs the submitted source, handling its events as they come.
    private func runJob(_ pipeline: MarketPipeline) {
        guard
            let job = pipeline.pendingJob.withLock({ j -> EngineJob? in
                defer { j = nil }; return j
            })
        else { return }
        pipeline.hasJob.store(false, ordering: .relaxed)
        var sinceBatch = 0
        job.body.withValue { body in
            body?.run { event in
                handle(event)
                sinceBatch &+= 1
                if sinceBatch == 4096 {
                    endBatch()
                    sinceBatch = 0
                }
            }
            body = nil
        }
        endBatch()
        job.done.signal()
    }

    @inline(__always)
    private func handle(_ event: DecodedEvent) {
        switch event {
        case let .tick(tick):
            batchTicks &+= 1
            if latestTickTime.isNaN, let waiting = payoutsBeforeFirstTick {
                payoutsBeforeFirstTick = nil
                record(waiting, time: tick.time)
            }
            latestTickTime = tick.time
            // A tick the former refuses (jumping far ahead of the stream) is neither archived
            // nor published: it is counted there (`aheadOfStream`).
            guard former.add(tick, { batch.append($0) }) else { return }
            archive?.append(.tick(tick))
            publisher?.append(.tick(tick))
            counters.lastTickTimeBits.store(tick.time.bitPattern, ordering: .relaxed)
        case let .history(history):
            former.seed(history) { batch.append($0) }
            counters.histories.add(1, ordering: .relaxed)
        case let .chart(chart):
            counters.charts.add(1, ordering: .relaxed)
            sink?.pipeline(chart: chart)
        case let .payouts(snapshot):
            if let time = snapshot.time ?? (latestTickTime.isNaN ? nil : latestTickTime) {
                record(snapshot, time: time)
            } else {
                payoutsBeforeFirstTick = snapshot  // the latest list before any tick wins
            }
        case .socketOpened, .socketClosed:
            break
        }
    }

    /// A payout list (a few an hour): recorded for /health and get_assets, archived as `payouts`.
    private func record(_ snapshot: PayoutSnapshot, time: Double) {
        counters.payoutBoard.record(snapshot, time: time)
        publisher?.publishPayouts(snapshot, time: time)
        for row in snapshot.payouts {
            archive?.append(.payout(asset: row.asset, time: time, percent: row.percent))
        }
    }

    private func endBatch() {
        if batchTicks > 0 {
            counters.ticks.add(batchTicks, ordering: .relaxed)
            batchTicks = 0
        }
        // Refusals (live ticks and history alike): two relaxed stores per batch.
        counters.formerAbsurdValues.store(former.stats.invalid, ordering: .relaxed)
        counters.ticksAheadOfStream.store(former.stats.aheadOfStream, ordering: .relaxed)
        defer {
            archive?.endBatch()
            publisher?.endBatch()
        }
        guard !batch.isEmpty else { return }
        var closed = 0
        var updates = 0
        for event in batch {
            switch event {
            case .updated: updates += 1
            case .closed, .revised:
                if case .closed = event { closed += 1 }
                archive?.append(.candle(event.candle))
                publisher?.append(.candle(event.candle))
            }
        }
        counters.candlesClosed.add(closed, ordering: .relaxed)
        counters.candleUpdates.add(updates, ordering: .relaxed)
        if configuration.keepsRecentCandles { recent.apply(batch) }
        sink?.pipeline(candleEvents: batch)
        batch.removeAll(keepingCapacity: true)
    }

    private func closeArchive(ringDropped: Int) -> Result<PipelineSummary, ArchiveError> {
        var summary = PipelineSummary(
            counters: counters.snapshot, candles: former.stats, archive: nil, ringDropped: ringDropped)
        guard let archive else { return .success(summary) }
        let (statistics, error) = archive.finish()
        summary.archive = statistics
        summary.counters = counters.snapshot  // archive errors counted while closing
        if let error { return .failure(error) }
        return .success(summary)
    }
}

/// A source handed to the engine thread by ``MarketPipeline/feedOnEngineThread(_:)``; the
/// submitting thread waits on `done`, so the closure's captures are never used by two threads
/// at once. The closure is the engine thread's (its first user), which clears it before it
/// signals `done` (it wraps a non-escaping one: nothing may hold it once the submitter goes on).
private final class EngineJob: Sendable {
    /// The source to run. Wrapped in a struct so that the closure keeps its own calling convention
    /// inside the generic `ThreadBound`: stored as a bare function value there, it was called
    /// through two reabstraction thunks per delivered event (callgrind).
    struct Body {
        let run: (_ deliver: (DecodedEvent) -> Void) -> Void
    }

    let body: ThreadBound<Body?>
    let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping (_ deliver: (DecodedEvent) -> Void) -> Void) {
        self.body = ThreadBound(ownedByFirstUser: Body(run: body))
    }
}

/// What a pipeline did, for summaries.
package struct PipelineSummary: Sendable {
    /// Engine counters.
    package var counters: PipelineCounterSnapshot
    /// Candle former counters (late, duplicates, …).
    package var candles: CandleStats
    /// Archive statistics, when collecting.
    package var archive: ArchiveWriterStatistics?
    /// Events dropped at the ring (live sources).
    package var ringDropped: Int
}
