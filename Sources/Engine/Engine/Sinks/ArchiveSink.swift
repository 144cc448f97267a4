import Archive
import Candles
import FastDecode
import Foundation
import Logging
import Ring
import Synchronization
import ThreadSupport

/// What the engine thread hands the archive thread.
enum ArchiveRecord: Sendable {
    /// A live tick.
    case tick(Tick)
    /// A closed (or revised) candle.
    case candle(Candle)
    /// An asset's payout (percent) from `time` on.
    case payout(asset: AssetID, time: Double, percent: Double)
}

/// The archive writer on a thread of its own: the engine thread appends ticks and closed candles
/// to an SPSC ring and never waits on the disk (writes, fsyncs, renames happen on the archive
/// thread).
///
/// When the disk falls behind, the ring fills; live streams then spill records, in order, into a
/// bounded in-memory backlog on the engine thread (``maxBacklog`` records) and move them into the
/// ring as it drains, so a slow disk delays the archive but loses nothing. Only past that bound are
/// records dropped, and counted (`qflux_archive_dropped_total`). Replays (``waitWhenFull``) wait for
/// room instead: nothing is ever dropped.
///
/// Threads, as types: the sink is a plainly `Sendable` handle (``start()``, ``backlogCount``, the
/// counters: atomics). The producer side – the ring's producer and the backlog – is an
/// ``ArchiveProducer``, made once and not `Sendable`: it stays with the engine loop that holds it,
/// so the per-record path has no thread check at all. The writer is the archive thread's, in a
/// `ThreadBound` (the archive thread is its first user); its statistics and close error come
/// back through a `Locked` slot before the thread ends.
final class ArchiveSink: Sendable {
    /// Records the ring holds by default (~70 bytes each: ~4.6 MB).
    static let defaultRingCapacity = 1 << 16
    /// Records the engine thread may hold back while the ring is full (~70 MB at most).
    static let maxBacklog = 1 << 20
    /// How often the archive thread offers the writer a flush (it writes at most once per flush interval).
    static let flushCheckInterval = 0.05
    /// The longest the idle archive thread sleeps before it looks at the flush clock again.
    static let idleParkSeconds = 0.25

    /// Counters any thread may read.
    let counters = ArchiveSinkCounters()

    fileprivate let ring: SPSCRing<ArchiveRecord>
    fileprivate let wakeup = ThreadWakeup()
    fileprivate let inputFinished = Atomic<Bool>(false)
    fileprivate let done = DispatchSemaphore(value: 0)
    fileprivate let waitWhenFull: Bool
    private let started = Atomic<Bool>(false)
    private let producerMade = Atomic<Bool>(false)
    /// The archive thread's writer (its first user).
    private let writerSide: ThreadBound<ArchiveWriterLoop>
    /// What the writer did, set by the archive thread before it ends.
    private let outcome = Locked<(statistics: ArchiveWriterStatistics, error: ArchiveError?)?>(nil)

    /// Opens the archive (creates the data directory); nothing runs until ``start()``.
    init(
        configuration: ArchiveConfiguration, assets: AssetDirectory, ringCapacity: Int, waitWhenFull: Bool,
        counters: PipelineCounters, logger: Logger
    ) throws(ArchiveError) {
        ring = SPSCRing(capacity: ringCapacity)
        let writer = try ArchiveWriter(configuration: configuration, assets: assets, logger: logger)
        writerSide = ThreadBound(
            ownedByFirstUser: ArchiveWriterLoop(writer: writer, pipelineCounters: counters, logger: logger))
        self.waitWhenFull = waitWhenFull
    }

    /// The producer side; once (one producer per ring). It belongs to the thread that holds it.
    func makeProducer() -> ArchiveProducer {
        precondition(!producerMade.exchange(true, ordering: .relaxed), "an archive sink has one producer")
        return ArchiveProducer(sink: self)
    }

    /// Starts the archive thread.
    func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            let result = writerSide.withValue { $0.run(self) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.name = "qflux-archive"
        thread.start()
    }

    /// Records waiting for the disk now: in the ring and held back (any thread; approximate).
    var backlogCount: Int { ring.count + counters.heldBack.load(ordering: .relaxed) }

    /// Ends the input (everything is in the ring), waits for the archive thread to write it and
    /// close every chunk, and returns what the writer did.
    fileprivate func finishWriter() -> (statistics: ArchiveWriterStatistics, error: ArchiveError?) {
        start()
        inputFinished.store(true, ordering: .releasing)
        wakeup.notify()
        done.wait()
        done.signal()  // finish() may be asked again
        return outcome.withLock { $0! }
    }
}

/// The engine thread's side of an ``ArchiveSink``: the ring's producer and the records held back
/// while the ring is full. Not `Sendable`: it stays on the thread that holds it (the engine loop).
final class ArchiveProducer {
    private let sink: ArchiveSink
    private let ring: SPSCRing<ArchiveRecord>
    private let counters: ArchiveSinkCounters
    private let waitWhenFull: Bool
    private var backlog: [ArchiveRecord] = []
    private var backlogHead = 0

    fileprivate init(sink: ArchiveSink) {
        self.sink = sink
        ring = sink.ring
        counters = sink.counters
        waitWhenFull = sink.waitWhenFull
    }

    /// Starts the archive thread (if not yet).
    func start() { sink.start() }

    /// Queues one record. Visible to the archive thread after ``endBatch()``.
    @inline(__always)
    func append(_ record: ArchiveRecord) {
        if backlogHead == backlog.count, ring.stage(record) { return }
        if waitWhenFull {
            ring.pushWaiting(record)
            return
        }
        guard backlog.count - backlogHead < ArchiveSink.maxBacklog else {
            counters.dropped.add(1, ordering: .relaxed)
            return
        }
        backlog.append(record)
        counters.spilled.add(1, ordering: .relaxed)
    }

    /// Publishes the batch to the archive thread and moves held-back records into the ring as
    /// room allows.
    func endBatch() {
        if backlogHead < backlog.count { drainBacklog() }
        ring.publish()
        sink.wakeup.notify()
    }

    /// Hands everything over, waits for the archive thread to write it and close every chunk, and
    /// returns what the writer did (once, at the end of input).
    func finish() -> (statistics: ArchiveWriterStatistics, error: ArchiveError?) {
        while backlogHead < backlog.count {
            ring.pushWaiting(backlog[backlogHead])
            backlogHead += 1
        }
        backlog.removeAll()
        backlogHead = 0
        ring.publish()
        return sink.finishWriter()
    }

    private func drainBacklog() {
        while backlogHead < backlog.count, ring.stage(backlog[backlogHead]) { backlogHead += 1 }
        if backlogHead == backlog.count {
            backlog.removeAll(keepingCapacity: backlog.capacity <= 1 << 16)
            backlogHead = 0
        } else if backlogHead >= 1 << 16, backlogHead * 2 >= backlog.count {
            backlog.removeFirst(backlogHead)  // amortised: at most once per 64 k records moved
            backlogHead = 0
        }
        let held = backlog.count - backlogHead
        counters.heldBack.store(held, ordering: .relaxed)
        if held > counters.heldBackPeak.load(ordering: .relaxed) {
            counters.heldBackPeak.store(held, ordering: .relaxed)
        }
    }
}

/// The archive thread's state: the writer and its flush clock (inside the sink's `ThreadBound`).
private final class ArchiveWriterLoop {
    private let writer: ArchiveWriter
    private let pipelineCounters: PipelineCounters
    private let logger: Logger
    private var lastFlushCheck = 0.0

    init(writer: ArchiveWriter, pipelineCounters: PipelineCounters, logger: Logger) {
        self.writer = writer
        self.pipelineCounters = pipelineCounters
        self.logger = logger
    }

    /// The archive thread's loop: writes what the ring brings until the input has finished, then
    /// closes the writer.
    func run(_ sink: ArchiveSink) -> (statistics: ArchiveWriterStatistics, error: ArchiveError?) {
        let ring = sink.ring
        var idleRounds = 0
        while true {
            let n = ring.popBatch(max: 4096) { write($0) }
            if n > 0 {
                sink.counters.written.add(n, ordering: .relaxed)
                idleRounds = 0
                maybeFlush()
                continue
            }
            maybeFlush()
            if sink.inputFinished.load(ordering: .acquiring) {
                if ring.popBatch(max: Int.max, { write($0) }) > 0 { continue }
                do throws(ArchiveError) { try writer.close() } catch { return (writer.statistics, error) }
                return (writer.statistics, nil)
            }
            idleRounds += 1
            if idleRounds < 16 { sched_yield(); continue }
            sink.wakeup.park(timeout: ArchiveSink.idleParkSeconds) {
                ring.count == 0 && !sink.inputFinished.load(ordering: .acquiring)
            }
        }
    }

    @inline(__always)
    private func write(_ record: ArchiveRecord) {
        do throws(ArchiveError) {
            switch record {
            case let .tick(tick): try writer.append(tick)
            case let .candle(candle): try writer.append(candle)
            case let .payout(asset, time, percent): try writer.appendPayout(asset: asset, time: time, percent: percent)
            }
        } catch {
            failed(error)
        }
    }

    private func maybeFlush() {
        let now = monotonicNow()
        guard now - lastFlushCheck >= ArchiveSink.flushCheckInterval else { return }
        lastFlushCheck = now
        do throws(ArchiveError) { try writer.flushIfDue(now: now) } catch { failed(error) }
    }

    private func failed(_ error: ArchiveError) {
        let count = pipelineCounters.archiveErrors.add(1, ordering: .relaxed).newValue
        if count == 1 || count % 1000 == 0 {
            logger.error(
                "archive write failed; streaming continues", metadata: ["error": "\(error)", "errors": "\(count)"])
        }
    }
}

/// The archive sink's counters (relaxed atomics; any thread reads them).
final class ArchiveSinkCounters: Sendable {
    /// Records the archive thread has handed to the writer.
    let written = Atomic<Int>(0)
    /// Records held back on the engine thread because the ring was full (a slow disk), ever.
    let spilled = Atomic<Int>(0)
    /// Records held back now.
    let heldBack = Atomic<Int>(0)
    /// The most records held back at once.
    let heldBackPeak = Atomic<Int>(0)
    /// Records dropped because the backlog was full too.
    let dropped = Atomic<Int>(0)
}
