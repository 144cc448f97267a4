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
/// Threads: the feeder is the source thread's; ``start()`` starts the engine thread (and the
/// archive thread); the engine-only state below is touched by no other thread. ``finish()`` joins
/// them. Counters and ``recent`` are safe from any thread.
package final class MarketPipeline: @unchecked Sendable {  // engine state: engine thread only
    /// How it runs.
    package let configuration: PipelineConfiguration
    /// Asset names (shared with the decoder, the server and the CLI).
    package let assets: AssetDirectory
    /// Counters readable from any thread.
    package let counters = PipelineCounters()
    /// Recent candles readable from any thread.
    package let recent: RecentCandleStore

    private let ring: SPSCRing<DecodedEvent>
    private let logger: Logger
    private weak var sink: (any PipelineSink)?
    private let inputFinished = Atomic<Bool>(false)
    private let wakeup = ThreadWakeup()
    private let done = DispatchSemaphore(value: 0)
    private let started = Atomic<Bool>(false)
    private var feederMade = false
    /// A source waiting to run on the engine thread (``feedOnEngineThread(_:)``); `hasJob` tells
    /// the engine loop (and the park check) without taking the lock.
    private let pendingJob = Mutex<EngineJob?>(nil)
    private let hasJob = Atomic<Bool>(false)
    /// The longest the idle engine sleeps before it looks at the ring again (a wake-up normally
    /// comes from the feeder within microseconds).
    static let idleParkSeconds = 0.25

    // Engine thread only (checked in debug builds).
    private let engineThread = OwnerThreadCheck()
    // Dynamic exclusivity checks on these (begin/end access per tick) showed in profiles; they
    // are engine-thread-only (checked in debug builds by `engineThread`), so they are off.
    @exclusivity(unchecked) private var former: CandleFormer
    private let archive: ArchiveSink?
    /// The Redis publisher (`--publish`), a sink on its own thread like the archive.
    package let publisher: RedisPublisher?
    @exclusivity(unchecked) private var batch: [CandleEvent] = []
    /// Ticks handled since the last ``endBatch()`` (added to `counters.ticks` there: one atomic
    /// add per batch, not per tick).
    @exclusivity(unchecked) private var batchTicks = 0
    private var result: Result<PipelineSummary, ArchiveError>?

    /// Creates a pipeline; opens the archive when collection is on.
    package init(configuration: PipelineConfiguration, assets: AssetDirectory = AssetDirectory(),
                sink: (any PipelineSink)? = nil, logger: Logger) throws(ArchiveError) {
        self.configuration = configuration
        self.assets = assets
        self.sink = sink
        self.logger = logger
        ring = SPSCRing(capacity: configuration.ringCapacity)
        recent = RecentCandleStore(keep: configuration.keepClosedCandles)
        former = CandleFormer(timeframes: configuration.timeframes, latenessWindow: configuration.lateness,
                              keepClosed: configuration.keepClosedCandles)
        if let archiveConfiguration = configuration.archive, archiveConfiguration.collect != .none {
            archive = try ArchiveSink(configuration: archiveConfiguration, assets: assets, ringCapacity: configuration.archiveRingCapacity,
                                      waitWhenFull: configuration.backpressure == .wait, counters: counters, logger: logger)
        } else {
            archive = nil
        }
        publisher = configuration.publish.map {
            RedisPublisher(configuration: $0, assets: assets, waitWhenFull: configuration.backpressure == .wait, logger: logger)
        }
        batch.reserveCapacity(8192)
    }

    /// Sets the sink (before ``start()``); the pipeline keeps a weak reference.
    package func attach(sink: any PipelineSink) {
        precondition(!started.load(ordering: .relaxed), "attach the sink before starting")
        self.sink = sink
    }

    /// The one feeder of this pipeline (a decoder writing into the ring).
    package func makeFeeder(maxMessageBytes: Int = 256 << 20) throws(DecodeError) -> PipelineFeeder {
        precondition(!feederMade, "a pipeline has one feeder (single producer)")
        feederMade = true
        return PipelineFeeder(decoder: try MarketDecoder(assets: assets, maxMessageBytes: maxMessageBytes),
                              ring: ring, backpressure: configuration.backpressure, wakeup: wakeup, counters: counters)
    }

    /// Starts the engine thread (and the archive thread when collecting).
    package func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        archive?.start()
        publisher?.start()
        let thread = Thread { [self] in
            self.runEngine()
            self.done.signal()
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
        switch result! {
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
    /// Archive statistics (after ``finish()``; nil when not collecting).
    package private(set) var archiveStatistics: ArchiveWriterStatistics?
    /// Records waiting for the disk (ring + held back), for metrics; 0 when not collecting.
    package var archiveBacklog: Int { archive?.backlogCount ?? 0 }
    /// The archive sink's counters, when collecting.
    var archiveCounters: ArchiveSinkCounters? { archive?.counters }

    // MARK: - Engine thread

    private func runEngine() {
        engineThread.claim()
        archive?.claimProducer()
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
            if hasJob.load(ordering: .acquiring) {
                // What the feeder published before the job was submitted comes first.
                if ring.popBatch(max: Int.max, { handle($0) }) > 0 { endBatch(); continue }
                runJob()
                idleRounds = 0
                continue
            }
            if inputFinished.load(ordering: .acquiring) {
                // Input ended: one last look at the ring, then close everything.
                if ring.popBatch(max: Int.max, { handle($0) }) > 0 { endBatch(); continue }
                former.flush { batch.append($0) }
                endBatch()
                publisher?.finish()
                result = closeArchive()
                return
            }
            idleRounds += 1
            if idleRounds < 64 { continue }
            if idleRounds < 80 { sched_yield(); continue }
            wakeup.park(timeout: Self.idleParkSeconds) {
                ring.count == 0 && !inputFinished.load(ordering: .acquiring) && !hasJob.load(ordering: .acquiring)
            }
            idleRounds = 60
        }
    }

    /// Runs the submitted source, handling its events as they come (engine thread).
    private func runJob() {
        guard let job = pendingJob.withLock({ j -> EngineJob? in defer { j = nil }; return j }) else { return }
        hasJob.store(false, ordering: .relaxed)
        var sinceBatch = 0
        job.body? { event in
            handle(event)
            sinceBatch &+= 1
            if sinceBatch == 4096 {
                endBatch()
                sinceBatch = 0
            }
        }
        job.body = nil
        endBatch()
        job.done.signal()
    }

    @inline(__always)
    private func handle(_ event: DecodedEvent) {
        engineThread.assertOwner()
        switch event {
        case let .tick(tick):
            batchTicks &+= 1
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
        case .socketOpened, .socketClosed:
            break
        }
    }

    private func endBatch() {
        engineThread.assertOwner()
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

    private func closeArchive() -> Result<PipelineSummary, ArchiveError> {
        var summary = PipelineSummary(counters: counters.snapshot, candles: former.stats, archive: nil,
                                      ringDropped: ring.dropped)
        guard let archive else { return .success(summary) }
        let (statistics, error) = archive.finish()
        archiveStatistics = statistics
        summary.archive = statistics
        summary.counters = counters.snapshot  // archive errors counted while closing
        if let error { return .failure(error) }
        return .success(summary)
    }
}

/// A source handed to the engine thread by ``MarketPipeline/feedOnEngineThread(_:)``; the
/// submitting thread waits on `done`, so the closure's captures are never used by two threads
/// at once.
private final class EngineJob: @unchecked Sendable {
    /// Set by the submitter, cleared by the engine thread before it signals `done` (the closure
    /// wraps a non-escaping one: nothing may hold it once the submitter goes on).
    var body: ((_ deliver: (DecodedEvent) -> Void) -> Void)?
    let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping (_ deliver: (DecodedEvent) -> Void) -> Void) { self.body = body }
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

