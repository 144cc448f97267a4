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
/// Threads: ``append(_:)``, ``endBatch()`` and ``finish()`` are the engine thread's (the ring's
/// producer); the writer belongs to the archive thread from ``start()`` until ``finish()`` has
/// joined it. Counters are atomics, readable from any thread.
final class ArchiveSink: @unchecked Sendable {  // engine thread: producer side; archive thread: writer
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

    private let ring: SPSCRing<ArchiveRecord>
    private let wakeup = ThreadWakeup()
    private let inputFinished = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let waitWhenFull: Bool
    private let pipelineCounters: PipelineCounters
    private let logger: Logger

    // Engine thread only (the producer; checked in debug builds).
    private let producer = OwnerThreadCheck()
    private var backlog: [ArchiveRecord] = []
    private var backlogHead = 0
    private var started = false

    // Archive thread only (until finish() has joined it; checked in debug builds).
    private let archiveThread = OwnerThreadCheck()
    private let writer: ArchiveWriter
    private var lastFlushCheck = 0.0
    private var closeResult: Result<Void, ArchiveError> = .success(())

    /// Opens the archive (creates the data directory); nothing runs until ``start()``.
    init(configuration: ArchiveConfiguration, assets: AssetDirectory, ringCapacity: Int, waitWhenFull: Bool,
         counters: PipelineCounters, logger: Logger) throws(ArchiveError) {
        ring = SPSCRing(capacity: ringCapacity)
        writer = try ArchiveWriter(configuration: configuration, assets: assets, logger: logger)
        self.waitWhenFull = waitWhenFull
        self.pipelineCounters = counters
        self.logger = logger
    }

    /// Starts the archive thread.
    func start() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            runArchiveThread()
            done.signal()
        }
        thread.name = "qflux-archive"
        thread.start()
    }

    // MARK: - Engine thread

    /// The calling thread (the engine's) becomes the producer.
    func claimProducer() { producer.claim() }

    /// Queues one record (engine thread). Visible to the archive thread after ``endBatch()``.
    @inline(__always)
    func append(_ record: ArchiveRecord) {
        producer.assertOwner()
        if backlogHead == backlog.count, ring.stage(record) { return }
        if waitWhenFull {
            ring.pushWaiting(record)
            return
        }
        guard backlog.count - backlogHead < Self.maxBacklog else {
            counters.dropped.add(1, ordering: .relaxed)
            return
        }
        backlog.append(record)
        counters.spilled.add(1, ordering: .relaxed)
    }

    /// Publishes the batch to the archive thread and moves held-back records into the ring as
    /// room allows (engine thread).
    func endBatch() {
        producer.assertOwner()
        if backlogHead < backlog.count { drainBacklog() }
        ring.publish()
        wakeup.notify()
    }

    /// Hands everything over, waits for the archive thread to write it and close every chunk, and
    /// returns what the writer did (engine thread, once, at the end of input).
    func finish() -> (statistics: ArchiveWriterStatistics, error: ArchiveError?) {
        producer.assertOwner()
        start()
        while backlogHead < backlog.count {
            ring.pushWaiting(backlog[backlogHead])
            backlogHead += 1
        }
        backlog.removeAll()
        backlogHead = 0
        ring.publish()
        inputFinished.store(true, ordering: .releasing)
        wakeup.notify()
        done.wait()
        done.signal()  // finish() may be asked again
        switch closeResult {
        case .success: return (writer.statistics, nil)
        case let .failure(error): return (writer.statistics, error)
        }
    }

    /// Records waiting for the disk now: in the ring and held back (any thread; approximate).
    var backlogCount: Int { ring.count + counters.heldBack.load(ordering: .relaxed) }

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

    // MARK: - Archive thread

    private func runArchiveThread() {
        archiveThread.claim()
        var idleRounds = 0
        while true {
            let n = ring.popBatch(max: 4096) { write($0) }
            if n > 0 {
                counters.written.add(n, ordering: .relaxed)
                idleRounds = 0
                maybeFlush()
                continue
            }
            maybeFlush()
            if inputFinished.load(ordering: .acquiring) {
                if ring.popBatch(max: Int.max, { write($0) }) > 0 { continue }
                do throws(ArchiveError) { try writer.close() } catch { closeResult = .failure(error) }
                return
            }
            idleRounds += 1
            if idleRounds < 16 { sched_yield(); continue }
            wakeup.park(timeout: Self.idleParkSeconds) { ring.count == 0 && !inputFinished.load(ordering: .acquiring) }
        }
    }

    @inline(__always)
    private func write(_ record: ArchiveRecord) {
        archiveThread.assertOwner()
        do throws(ArchiveError) {
            switch record {
            case let .tick(tick): try writer.append(tick)
            case let .candle(candle): try writer.append(candle)
            }
        } catch {
            failed(error)
        }
    }

    private func maybeFlush() {
        let now = monotonicNow()
        guard now - lastFlushCheck >= Self.flushCheckInterval else { return }
        lastFlushCheck = now
        do throws(ArchiveError) { try writer.flushIfDue(now: now) } catch { failed(error) }
    }

    private func failed(_ error: ArchiveError) {
        let count = pipelineCounters.archiveErrors.add(1, ordering: .relaxed).newValue
        if count == 1 || count % 1000 == 0 {
            logger.error("archive write failed; streaming continues", metadata: ["error": "\(error)", "errors": "\(count)"])
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
