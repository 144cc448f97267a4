import Archive
import FastDecode
import Foundation
import Logging
import Ring
import Synchronization
import ThreadSupport

/// `qflux archive --from redis://…`: an archiver node. It reads every tick stream
/// (``RedisStreamLayout``) through a consumer group and writes the ticks into a qflux archive,
/// each exactly once, across `kill -9`, restarts, a full disk and a Redis that forgot the group.
/// The payout lists of `qflux:payouts` go the same way, as payout records (kind `payouts`: each
/// asset's changes; ``ArchivedPayouts``).
///
/// - `XGROUP CREATE <stream> <group> 0 MKSTREAM` per stream (an existing group is kept).
/// - At start (and after every reconnect) it takes over every pending entry of the group with
///   `XAUTOCLAIM … 0` (one archiver per group and data directory: any other member's pending
///   entries belong to a dead predecessor), reads its own pending entries (`XREADGROUP … 0`),
///   then new ones (`XREADGROUP … > BLOCK`). While running it claims entries idle longer than
///   ``Configuration/claimIdle`` from any other member.
/// - Every entry is judged first (``StreamEntry/tickVerdict``): a field that is not plain decimal
///   text is malformed, a time or price outside `MarketLimits` is absurd; both are counted, never
///   written, and acknowledged at the next durability point like the written ones.
/// - Ticks go to an ``ArchiveWriter`` on this thread. Every ``Configuration/syncInterval`` seconds
///   it makes them durable (``ArchiveWriter/sync()``: write + fsync), then writes the
///   ``ArchiveCheckpoint`` (last id and archive count per stream), then `XACK`s them. Only then.
/// - A write error (a full disk, EFBIG, EIO…) stops the archiver: ``run(shouldStop:)`` throws the
///   ``ArchiveError`` (it names the file and the errno) at once, without a checkpoint or an `XACK`
///   for anything read since the last durability point. Those entries stay pending in Redis; the
///   ticks among them that reached the disk before the error are recognised by count at the next
///   start (as after a `kill -9`), the rest are archived then.
/// - Exactly once: an entry at or below a stream's last archived id is acknowledged and skipped
///   (redelivery); entries that reached the archive after the last checkpoint (a `kill -9` or a
///   write error between sync and checkpoint) are recognised by count and skipped
///   (``ArchiveCheckpoint``).
/// - `NOGROUP` (Redis restarted without persistence, or the stream was deleted): the groups are
///   created again and reading goes on; ids only grow, so nothing is archived twice.
/// - A stream Redis refuses to read (``RedisError/concernsKey``: `WRONGTYPE` after `SET
///   qflux:ticks:X x`) is skipped, counted and tried again every
///   ``Configuration/skippedStreamRetry`` seconds (``SkippedStreams``); the others are archived.
/// - Entries trimmed away (`MAXLEN`) before the archiver read them are lost; they are counted.
///
/// Threads, as types: the archiver is a plainly `Sendable` handle (``statistics``, ``stop()``: a
/// `Locked` and an atomic). Everything ``run(shouldStop:)`` touches – the writer, the checkpoint,
/// the streams – is an `ArchiverRun` in a `ThreadBound`, owned by the thread that runs it (its
/// first user, usually not the one that created the archiver).
package final class RedisArchiver: Sendable {
    /// How the archiver runs.
    package struct Configuration: Sendable {
        /// The server.
        package var address: RedisAddress
        /// The archive's data directory.
        package var directory: String
        /// Consumer group name.
        package var group = RedisStreamLayout.defaultGroup
        /// This member's name in the group (keep it across restarts).
        package var consumer = "archiver"
        /// Ticks per chunk.
        package var tickChunkSize = 1000
        /// Seconds between durability points (sync, checkpoint, XACK).
        package var syncInterval = 1.0
        /// Seconds an entry may stay pending with another member before it is claimed.
        package var claimIdle = 30.0
        /// `XREADGROUP BLOCK` milliseconds.
        package var blockMilliseconds = 200
        /// Seconds between looks for new assets.
        package var assetPoll = 1.0
        /// Seconds between two tries of a stream Redis refused to read (a key of another type).
        package var skippedStreamRetry = 30.0

        /// A configuration.
        package init(address: RedisAddress, directory: String) {
            self.address = address
            self.directory = directory
        }
    }

    /// Figures (any thread).
    package struct Statistics: Sendable, Equatable {
        /// Ticks this run wrote to the archive and made durable (synced; counted at each durability point).
        package var archived = 0
        /// Entries acknowledged without writing: already archived (redelivered, or written before a crash).
        package var duplicatesSkipped = 0
        /// Entries acknowledged.
        package var acknowledged = 0
        /// Entries refused: a field missing or not plain decimal text (hex floats, `inf`, `nan`,
        /// garbage; also entries trimmed before they were read). Acknowledged, never written.
        package var malformed = 0
        /// Entries refused: a time or price outside `MarketLimits` (`1e308`, a negative price…).
        /// Acknowledged, never written.
        package var absurd = 0
        /// Streams skipped now because Redis refused to read them (e.g. `WRONGTYPE`).
        package var skippedStreams = 0
        /// Error replies from Redis concerning one stream.
        package var streamErrors = 0
        /// Payout lists archived (their changed payouts written as payout records).
        package var payoutLists = 0
        /// Times the group was created again after `NOGROUP`.
        package var groupsRecreated = 0
        /// Connections opened again after a loss.
        package var reconnects = 0
        /// Durability points reached.
        package var syncs = 0
        /// Streams followed.
        package var streams = 0
    }

    private let stats: Locked<Statistics>
    private let stopping = Atomic<Bool>(false)
    /// The run's state: the thread that runs ``run(shouldStop:)`` (the first to) owns it.
    private let state: ThreadBound<ArchiverRun>

    /// Opens the archive and reads the checkpoint; nothing connects until ``run(shouldStop:)``.
    package init(configuration: Configuration, logger: Logger) throws {
        let stats = Locked(Statistics())
        self.stats = stats
        state = ThreadBound(
            ownedByFirstUser: try ArchiverRun(configuration: configuration, logger: logger, stats: stats))
    }

    /// Figures now.
    package var statistics: Statistics { stats.withLock { $0 } }

    /// Asks ``run(shouldStop:)`` to finish (any thread; async-signal handlers should set their own flag and
    /// pass it as `shouldStop`).
    package func stop() { stopping.store(true, ordering: .relaxed) }

    /// Runs until `shouldStop()` (checked at least every ``Configuration/blockMilliseconds``) or
    /// ``stop()``; then makes everything durable, acknowledges it and closes the archive. One
    /// thread runs it (the first to call it).
    ///
    /// Throws an ``ArchiveError`` at the first write, sync or checkpoint failure, at once: nothing
    /// read since the last durability point is checkpointed or acknowledged (see the type's notes).
    /// Redis being unreachable or answering with errors is not a failure: it is retried.
    package func run(shouldStop: @escaping () -> Bool = { false }) throws(ArchiveError) {
        let result = state.withValue { run in
            Result { () throws(ArchiveError) in
                try run.run(shouldStop: { shouldStop() || self.stopping.load(ordering: .relaxed) })
            }
        }
        try result.get()
    }
}

/// What ``RedisArchiver/run(shouldStop:)`` works with: the writer, the checkpoint, the streams
/// (in the archiver's `ThreadBound`; not `Sendable`).
final class ArchiverRun {
    // Internal rather than private only for the extensions in RedisArchiver+Reading.swift and
    // RedisArchiver+Durability.swift; nothing outside the archiver uses them.
    let configuration: Configuration
    let logger: Logger
    /// Where ``publishStatistics()`` puts the figures for ``RedisArchiver/statistics``.
    let stats: Locked<RedisArchiver.Statistics>
    typealias Statistics = RedisArchiver.Statistics
    typealias Configuration = RedisArchiver.Configuration

    let assets = AssetDirectory()
    let writer: ArchiveWriter
    var checkpoint: ArchiveCheckpoint
    var streams: [String: StreamState] = [:]
    var keys: [String] = []
    var groupsSeen = Set<String>()
    var skipped: SkippedStreams
    var archiveCounts: [String: Int] = [:]  // asset name → ticks in the archive at start
    /// The payout records in the archive (`qflux:payouts`, RedisArchiver+Payouts.swift).
    var payouts = ArchivedPayouts()
    var hadCheckpoint: Bool
    var unsynced = 0
    var local = Statistics()

    struct StreamState {
        var asset: AssetID
        /// The last id archived, skipped or refused (durable or about to be).
        var lastID: StreamID
        /// The last id covered by a durability point (checkpointed): entries up to it may be
        /// acknowledged as soon as they are seen again.
        var durableID: StreamID
        /// Ticks of this asset in the archive (written or found).
        var count: Int
        /// Entries after the checkpoint already in the archive (to skip).
        var skip: Int
        /// Ids to acknowledge at the next durability point.
        var pendingAcks: [StreamID] = []
        /// Ids to acknowledge now (already durable).
        var readyAcks: [StreamID] = []
    }

    var nextAssetLook = 0.0
    var nextClaim = 0.0
    /// The first write error; nothing more is written or acknowledged after it.
    var writeFailure: ArchiveError?

    /// The last Redis error logged since the last successful read.
    var lastReported: String?

    /// `stop()`, or the caller's `shouldStop` (set for the length of ``run(shouldStop:)``).
    var shouldStop: () -> Bool = { false }

    /// Opens the archive and reads the checkpoint.
    init(configuration: Configuration, logger: Logger, stats: Locked<Statistics>) throws {
        self.configuration = configuration
        self.logger = logger
        self.stats = stats
        skipped = SkippedStreams(retryInterval: configuration.skippedStreamRetry)
        var archiveConfiguration = ArchiveConfiguration(
            directory: configuration.directory, collect: .tick,
            tickChunkSize: configuration.tickChunkSize, flushInterval: configuration.syncInterval)
        archiveConfiguration.fsyncOnClose = true
        // A write error stops the archiver, which reports it (one line, naming the file): the
        // writer's own "dropping records for 1 s" message would be a second, wrong, line.
        var writerLogger = logger
        writerLogger.logLevel = .critical
        writer = try ArchiveWriter(configuration: archiveConfiguration, assets: assets, logger: writerLogger)
        let loaded = try ArchiveCheckpoint.load(directory: configuration.directory)
        hadCheckpoint = loaded != nil
        checkpoint = loaded ?? ArchiveCheckpoint()
        if let index = try? ArchiveIndex.scan(directory: configuration.directory) {
            for series in index.series where series.kind == .ticks {
                archiveCounts[series.asset, default: 0] += series.records
            }
        }
        if !hadCheckpoint {
            // Ticks already here came from elsewhere: they are the baseline, not ours to skip.
            for (asset, count) in archiveCounts {
                checkpoint.positions[RedisStreamLayout.ticksKey(asset)] = .init(id: .zero, count: count)
            }
        }
        payouts = try ArchivedPayouts.load(
            directory: configuration.directory, checkpoint: &checkpoint, hadCheckpoint: hadCheckpoint, logger: logger)
        try checkpoint.save(directory: configuration.directory)
    }

    /// ``RedisArchiver/run(shouldStop:)``'s loop.
    func run(shouldStop: @escaping () -> Bool) throws(ArchiveError) {
        self.shouldStop = shouldStop
        defer { self.shouldStop = { false } }  // it may hold the archiver: no cycle once run returns
        var backoff = Backoff()
        var everConnected = false
        var reportedDown = false
        var connection: RedisConnection?
        var lastSync = monotonicNow()
        func pause() throws(ArchiveError) {
            try syncIfDue(&lastSync, connection: nil, force: false)
            let end = monotonicNow() + backoff.delay()
            while !stopRequested, monotonicNow() < end { usleep(20_000) }
        }
        while !stopRequested {
            if connection == nil {
                let c: RedisConnection
                do throws(RedisError) {
                    c = try RedisConnection(
                        address: configuration.address, connectTimeout: 1,
                        ioTimeout: Double(configuration.blockMilliseconds) / 1000 + 5)
                } catch {
                    if !reportedDown {
                        reportedDown = true
                        logger.warning("archiver cannot reach Redis; retrying", metadata: ["error": "\(error.message)"])
                    }
                    try pause()
                    continue
                }
                if everConnected { local.reconnects += 1 }
                everConnected = true
                reportedDown = false
                logger.info(
                    "archiver connected",
                    metadata: [
                        "address": "\(configuration.address)", "group": "\(configuration.group)",
                        "consumer": "\(configuration.consumer)",
                    ])
                do throws(RedisError) {
                    try takeOver(c)
                    connection = c
                } catch {
                    try throwIfWriteFailed()
                    report(error, while: "taking over the group's pending entries")
                    try pause()
                    continue
                }
            }
            do throws(RedisError) {
                try step(connection!)
                backoff.reset()
                lastReported = nil
            } catch let error where error.isNoGroup {
                logger.warning(
                    "NOGROUP: a consumer group is gone (Redis restarted?); creating it again",
                    metadata: ["error": "\(error.message)"])
                do throws(RedisError) {
                    try createGroups(connection!, keys)
                } catch {
                    report(error, while: "creating the consumer groups again")
                    if error.needsReconnect { connection = nil } else { try pause() }
                }
            } catch {
                try throwIfWriteFailed()
                report(error, while: "reading")
                // An error reply leaves the connection in step (its reply was read): keep it. A
                // stream turned into another type between two commands (DEL, then SET) answers
                // one command with an error no single stream explains yet; the next read skips it.
                if error.needsReconnect { connection = nil } else { try pause() }
            }
            try throwIfWriteFailed()
            try syncIfDue(&lastSync, connection: connection, force: false)
            publishStatistics()
        }
        try syncIfDue(&lastSync, connection: connection, force: true)
        try writer.close()
        publishStatistics()
    }

    var stopRequested: Bool { shouldStop() }

    /// A lost connection and an error reply are told apart: "cannot reach Redis" only for the
    /// first. The same error again before a successful read is not logged again.
    func report(_ error: RedisError, while doing: String) {
        guard error.message != lastReported else { return }
        lastReported = error.message
        if error.code == .server {
            logger.warning(
                "archiver: Redis answered with an error while \(doing); retrying",
                metadata: ["error": "\(error.message)"])
        } else {
            logger.warning(
                "archiver lost its Redis connection while \(doing); reconnecting",
                metadata: ["error": "\(error.message)"])
        }
    }
}
