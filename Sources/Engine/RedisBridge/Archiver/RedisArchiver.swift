import Archive
import FastDecode
import Foundation
import Ring
import Logging
import Synchronization

/// `qflux archive --from redis://…`: an archiver node. It reads every tick stream
/// (``RedisStreamLayout``) through a consumer group and writes the ticks into a qflux archive,
/// each exactly once, across `kill -9`, restarts and a Redis that forgot the group.
///
/// - `XGROUP CREATE <stream> <group> 0 MKSTREAM` per stream (an existing group is kept).
/// - At start (and after every reconnect) it takes over every pending entry of the group with
///   `XAUTOCLAIM … 0` (one archiver per group and data directory: any other member's pending
///   entries belong to a dead predecessor), reads its own pending entries (`XREADGROUP … 0`),
///   then new ones (`XREADGROUP … > BLOCK`). While running it claims entries idle longer than
///   ``Configuration/claimIdle`` from any other member.
/// - Ticks go to an ``ArchiveWriter`` on this thread. Every ``Configuration/syncInterval`` seconds
///   it makes them durable (``ArchiveWriter/sync()``: write + `syncfs`), then writes the
///   ``ArchiveCheckpoint`` (last id and archive count per stream), then `XACK`s them. Only then.
/// - Exactly once: an entry at or below a stream's last archived id is acknowledged and skipped
///   (redelivery); entries that reached the archive after the last checkpoint (a `kill -9` between
///   sync and checkpoint) are recognised by count and skipped (``ArchiveCheckpoint``).
/// - `NOGROUP` (Redis restarted without persistence, or the stream was deleted): the groups are
///   created again and reading goes on; ids only grow, so nothing is archived twice.
/// - Entries trimmed away (`MAXLEN`) before the archiver read them are lost; they are counted.
package final class RedisArchiver: @unchecked Sendable {  // run() thread only, counters any thread
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

        /// A configuration.
        package init(address: RedisAddress, directory: String) {
            self.address = address
            self.directory = directory
        }
    }

    /// Figures (any thread).
    package struct Statistics: Sendable, Equatable {
        /// Ticks written to the archive by this run.
        package var archived = 0
        /// Entries acknowledged without writing: already archived (redelivered, or written before a crash).
        package var duplicatesSkipped = 0
        /// Entries acknowledged.
        package var acknowledged = 0
        /// Entries without a valid time and price (including entries trimmed before they were read).
        package var malformed = 0
        /// Times the group was created again after `NOGROUP`.
        package var groupsRecreated = 0
        /// Connections opened again after a loss.
        package var reconnects = 0
        /// Durability points reached.
        package var syncs = 0
        /// Streams followed.
        package var streams = 0
    }

    private let configuration: Configuration
    private let logger: Logger
    private let stats = Mutex(Statistics())
    private let stopping = Atomic<Bool>(false)

    // run() thread only.
    private let assets = AssetDirectory()
    private let writer: ArchiveWriter
    private var checkpoint: ArchiveCheckpoint
    private var streams: [String: StreamState] = [:]
    private var keys: [String] = []
    private var groupsSeen = Set<String>()
    private var archiveCounts: [String: Int] = [:]  // asset name → ticks in the archive at start
    private var hadCheckpoint: Bool
    private var unsynced = 0
    private var local = Statistics()

    private struct StreamState {
        var asset: AssetID
        /// The last id archived or skipped (durable or about to be).
        var lastID: StreamID
        /// Ticks of this asset in the archive (written or found).
        var count: Int
        /// Entries after the checkpoint already in the archive (to skip).
        var skip: Int
        /// Ids to acknowledge at the next durability point.
        var pendingAcks: [StreamID] = []
        /// Ids to acknowledge now (already durable).
        var readyAcks: [StreamID] = []
    }

    /// Opens the archive and reads the checkpoint; nothing connects until ``run()``.
    package init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        var archiveConfiguration = ArchiveConfiguration(directory: configuration.directory, collect: .tick,
                                                        tickChunkSize: configuration.tickChunkSize, flushInterval: configuration.syncInterval)
        archiveConfiguration.fsyncOnClose = true
        writer = try ArchiveWriter(configuration: archiveConfiguration, assets: assets, logger: logger)
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
        try checkpoint.save(directory: configuration.directory)
    }

    /// Figures now.
    package var statistics: Statistics { stats.withLock { $0 } }

    /// Asks ``run()`` to finish (any thread; async-signal handlers should set their own flag and
    /// pass it as `shouldStop`).
    package func stop() { stopping.store(true, ordering: .relaxed) }

    /// Runs until `shouldStop()` (checked at least every ``Configuration/blockMilliseconds``) or
    /// ``stop()``; then makes everything durable, acknowledges it and closes the archive.
    package func run(shouldStop: () -> Bool = { false }) throws {
        var backoff = Backoff()
        var everConnected = false
        var reportedDown = false
        func stop() -> Bool { shouldStop() || stopping.load(ordering: .relaxed) }
        var connection: RedisConnection?
        var lastSync = monotonicNow()
        while !stop() {
            if connection == nil {
                do throws(RedisError) {
                    let c = try RedisConnection(address: configuration.address, connectTimeout: 1,
                                                ioTimeout: Double(configuration.blockMilliseconds) / 1000 + 5)
                    if everConnected { local.reconnects += 1 }
                    everConnected = true
                    reportedDown = false
                    backoff.reset()
                    logger.info("archiver connected", metadata: ["address": "\(configuration.address)", "group": "\(configuration.group)",
                                                                  "consumer": "\(configuration.consumer)"])
                    try takeOver(c)
                    connection = c
                } catch {
                    if !reportedDown {
                        reportedDown = true
                        logger.warning("archiver cannot reach Redis; retrying", metadata: ["error": "\(error.message)"])
                    }
                    try syncIfDue(&lastSync, connection: nil, force: false)
                    let end = monotonicNow() + backoff.delay()
                    while !stop(), monotonicNow() < end { usleep(20_000) }
                    continue
                }
            }
            do throws(RedisError) {
                try step(connection!)
            } catch let error where error.isNoGroup {
                logger.warning("NOGROUP: a consumer group is gone (Redis restarted?); creating it again", metadata: ["error": "\(error.message)"])
                do throws(RedisError) { try createGroups(connection!, keys) } catch { connection = nil }
            } catch {
                logger.warning("archiver lost its Redis connection; reconnecting", metadata: ["error": "\(error.message)"])
                connection = nil
                reportedDown = true
            }
            try syncIfDue(&lastSync, connection: connection, force: false)
            publishStatistics()
        }
        try syncIfDue(&lastSync, connection: connection, force: true)
        try writer.close()
        publishStatistics()
    }

    // MARK: - Steps

    private var nextAssetLook = 0.0
    private var nextClaim = 0.0

    /// After (re)connecting: groups exist, every pending entry of the group is ours and read.
    private func takeOver(_ c: RedisConnection) throws(RedisError) {
        nextAssetLook = 0
        try discover(c)
        try createGroups(c, keys)  // a Redis that restarted has none
        try claim(c, minIdleMilliseconds: 0)
        for key in keys { try readPending(c, key: key) }
        nextClaim = monotonicNow() + configuration.claimIdle
    }

    private func step(_ c: RedisConnection) throws(RedisError) {
        let now = monotonicNow()
        if now >= nextAssetLook { try discover(c) }
        if now >= nextClaim {
            nextClaim = now + configuration.claimIdle
            try claim(c, minIdleMilliseconds: Int(configuration.claimIdle * 1000))
        }
        guard !keys.isEmpty else {
            usleep(UInt32(configuration.blockMilliseconds) * 1000)
            return
        }
        var args = ["XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT", "4096",
                    "BLOCK", String(configuration.blockMilliseconds), "STREAMS"]
        args += keys
        args += Array(repeating: ">", count: keys.count)
        let reply = try c.command(args)
        for (key, entries) in StreamEntry.parse(streams: reply) { handle(key: key, entries) }
    }

    /// New assets: create their groups, read anything already pending for them.
    private func discover(_ c: RedisConnection) throws(RedisError) {
        nextAssetLook = monotonicNow() + configuration.assetPoll
        let members = try c.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements ?? []
        var added: [String] = []
        for name in members.compactMap(\.text).sorted() {
            let key = RedisStreamLayout.ticksKey(name)
            guard streams[key] == nil else { continue }
            let asset = assets.register(name)
            let found = archiveCounts[name] ?? 0
            let position = checkpoint.positions[key] ?? .init(id: .zero, count: 0)
            let skip = max(0, found - position.count)
            if skip > 0 {
                logger.notice("\(skip) ticks of \(name) reached the archive after the last checkpoint; their entries will be skipped")
            }
            streams[key] = StreamState(asset: asset, lastID: position.id, count: found, skip: skip)
            checkpoint.positions[key] = .init(id: position.id, count: found - skip)
            keys.append(key)
            added.append(key)
        }
        if !added.isEmpty {
            try createGroups(c, added)
            local.streams = keys.count
        }
    }

    /// Creates the group of each stream where it is missing. A group this process had seen
    /// before that is missing now means Redis forgot it (a restart without persistence): counted.
    private func createGroups(_ c: RedisConnection, _ list: [String]) throws(RedisError) {
        for key in list {
            do throws(RedisError) {
                try c.command(["XGROUP", "CREATE", key, configuration.group, "0", "MKSTREAM"])
                if groupsSeen.contains(key) {
                    local.groupsRecreated += 1
                    logger.notice("consumer group \(configuration.group) of \(key) was gone (Redis restarted?); created again")
                }
            } catch where error.isBusyGroup {
                // exists: keep its position
            }
            groupsSeen.insert(key)
        }
    }

    /// Takes pending entries idle at least `minIdle` ms from every member (XAUTOCLAIM).
    private func claim(_ c: RedisConnection, minIdleMilliseconds: Int) throws(RedisError) {
        for key in keys {
            var cursor = "0-0"
            repeat {
                let reply: RedisReply
                do throws(RedisError) {
                    reply = try c.command(["XAUTOCLAIM", key, configuration.group, configuration.consumer,
                                           String(minIdleMilliseconds), cursor, "COUNT", "1000"])
                } catch where error.isNoGroup {
                    try createGroups(c, [key])
                    break
                }
                guard let parts = reply.elements, parts.count >= 2, let next = parts[0].text else { break }
                cursor = next
                let claimed = StreamEntry.parse(list: parts[1])
                if minIdleMilliseconds > 0, !claimed.isEmpty { handle(key: key, claimed) }
            } while cursor != "0-0"
        }
    }

    /// This member's pending entries of `key`, oldest first.
    private func readPending(_ c: RedisConnection, key: String) throws(RedisError) {
        var from = StreamID.zero
        while true {
            let reply = try c.command(["XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT", "1000",
                                       "STREAMS", key, from.description])
            let entries = StreamEntry.parse(streams: reply).first?.entries ?? []
            if entries.isEmpty { return }
            handle(key: key, entries)
            from = entries.last!.id
        }
    }

    /// One stream's entries, in id order.
    private func handle(key: String, _ entries: [StreamEntry]) {
        guard var s = streams[key] else { return }
        for entry in entries {
            if entry.id <= s.lastID {
                s.readyAcks.append(entry.id)  // archived before: only acknowledge
                local.duplicatesSkipped += 1
                continue
            }
            s.lastID = entry.id
            if s.skip > 0 {
                s.skip -= 1
                s.pendingAcks.append(entry.id)
                local.duplicatesSkipped += 1
                continue
            }
            guard let t = entry.double("time"), let p = entry.double("price") else {
                local.malformed += 1
                s.pendingAcks.append(entry.id)
                continue
            }
            do throws(ArchiveError) {
                try writer.append(Tick(asset: s.asset, time: t, price: p))
                s.count += 1
                local.archived += 1
                unsynced += 1
            } catch {
                logger.error("archive write failed", metadata: ["error": "\(error)"])
            }
            s.pendingAcks.append(entry.id)
        }
        streams[key] = s
    }

    /// The durability point: sync the archive, write the checkpoint, then acknowledge.
    private func syncIfDue(_ last: inout Double, connection: RedisConnection?, force: Bool) throws {
        let now = monotonicNow()
        let hasPending = streams.values.contains { !$0.pendingAcks.isEmpty }
        if hasPending && (force || now - last >= configuration.syncInterval) {
            last = now
            try writer.sync()
            for (key, s) in streams where !s.pendingAcks.isEmpty {
                checkpoint.positions[key] = .init(id: s.lastID, count: s.count)
            }
            try checkpoint.save(directory: configuration.directory)
            for key in keys {
                streams[key]!.readyAcks += streams[key]!.pendingAcks
                streams[key]!.pendingAcks.removeAll()
            }
            unsynced = 0
            local.syncs += 1
        }
        guard let connection else { return }
        // Acknowledge what is durable (pipelined, up to 1000 ids per XACK).
        var commands = 0
        for key in keys where !streams[key]!.readyAcks.isEmpty {
            let ids = streams[key]!.readyAcks
            var i = 0
            while i < ids.count {
                let chunk = ids[i..<min(i + 1000, ids.count)]
                do throws(RedisError) {
                    try connection.append(["XACK", key, configuration.group] + chunk.map(\.description))
                } catch { return }
                commands += 1
                i += 1000
            }
        }
        var acked = 0
        for _ in 0..<commands {
            do throws(RedisError) {
                if case let .integer(n) = try connection.reply() { acked += Int(n) }
            } catch { return }  // the connection is gone; the entries stay pending and are skipped on redelivery
        }
        if commands > 0 {
            for key in keys { streams[key]!.readyAcks.removeAll() }
            local.acknowledged += acked
        }
    }

    private func publishStatistics() {
        let s = local
        stats.withLock { $0 = s }
    }
}
