import Archive
import FastDecode
import Foundation
import Logging
import Ring
import ThreadSupport

/// Reading the tick streams through the consumer group: discovery of assets, groups, claims,
/// pending and new entries, and the streams Redis refuses (skipped, see ``SkippedStreams``).
extension ArchiverRun {
    /// After (re)connecting: groups exist, every pending entry of the group is ours and read.
    func takeOver(_ c: RedisConnection) throws(RedisError) {
        nextAssetLook = 0
        try discover(c)
        try createGroups(c, keys)  // a Redis that restarted has none
        try claim(c, minIdleMilliseconds: 0)
        for key in keys where writeFailure == nil { try readPending(c, key: key) }
        nextClaim = monotonicNow() + configuration.claimIdle
    }

    func step(_ c: RedisConnection) throws(RedisError) {
        let now = monotonicNow()
        if now >= nextAssetLook { try discover(c) }
        if now >= nextClaim {
            nextClaim = now + configuration.claimIdle
            try claim(c, minIdleMilliseconds: Int(configuration.claimIdle * 1000))
        }
        guard !keys.isEmpty, writeFailure == nil else {
            usleep(UInt32(configuration.blockMilliseconds) * 1000)
            return
        }
        var args = [
            "XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT", "4096",
            "BLOCK", String(configuration.blockMilliseconds), "STREAMS",
        ]
        args += keys
        args += Array(repeating: ">", count: keys.count)
        let reply: RedisReply
        do throws(RedisError) {
            reply = try c.command(args)
        } catch  where error.concernsKey {
            // One XREADGROUP names every stream: find the one(s) Redis refuses, skip them, go on.
            try skipRefusedStreams(c, after: error)
            return
        }
        for (key, entries) in StreamEntry.parse(streams: reply) { handle(key: key, entries) }
    }

    /// New assets: create their groups, read anything already pending for them. Skipped streams
    /// whose retry time has come are tried again here.
    func discover(_ c: RedisConnection) throws(RedisError) {
        let now = monotonicNow()
        nextAssetLook = now + configuration.assetPoll
        try discoverPayouts(c, now: now)
        guard !skipped.isWaiting(RedisStreamLayout.assetsKey, now: now) else { return }
        let members: [RedisReply]
        do throws(RedisError) {
            members = try c.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements ?? []
            skipped.readable(RedisStreamLayout.assetsKey, logger: logger)
        } catch  where error.concernsKey {
            // No asset list now (the key holds another type): keep archiving the streams known.
            refuse(RedisStreamLayout.assetsKey, error)
            return
        }
        for name in members.compactMap(\.text).sorted() {
            let key = RedisStreamLayout.ticksKey(name)
            if streams[key] == nil {
                let asset = assets.register(name)
                let found = archiveCounts[name] ?? 0
                let position = checkpoint.positions[key] ?? .init(id: .zero, count: 0)
                let skip = max(0, found - position.count)
                if skip > 0 {
                    logger.notice(
                        "\(skip) ticks of \(name) reached the archive after the last checkpoint; their entries will be skipped"
                    )
                }
                streams[key] = StreamState(
                    asset: asset, lastID: position.id, durableID: position.id, count: found, skip: skip)
                checkpoint.positions[key] = .init(id: position.id, count: found - skip)
            } else if !skipped.contains(key) || skipped.isWaiting(key, now: now) {
                continue
            }
            // New, or skipped and due for another try: its group, its pending entries, then follow it.
            keys.append(key)
            try createGroups(c, [key])
            if keys.contains(key) { try readPending(c, key: key) }
            if keys.contains(key) { skipped.readable(key, logger: logger) }
        }
        local.streams = tickStreamCount
        publishSkipped()
    }

    /// Creates the group of each stream where it is missing. A group this process had seen
    /// before that is missing now means Redis forgot it (a restart without persistence): counted.
    func createGroups(_ c: RedisConnection, _ list: [String]) throws(RedisError) {
        for key in list {
            do throws(RedisError) {
                try c.command(["XGROUP", "CREATE", key, configuration.group, "0", "MKSTREAM"])
                if groupsSeen.contains(key) {
                    local.groupsRecreated += 1
                    logger.notice(
                        "consumer group \(configuration.group) of \(key) was gone (Redis restarted?); created again")
                }
            } catch  where error.isBusyGroup {
                // exists: keep its position
            } catch  where error.concernsKey {
                refuse(key, error)
                continue
            }
            groupsSeen.insert(key)
        }
    }

    /// Takes pending entries idle at least `minIdle` ms from every member (XAUTOCLAIM).
    func claim(_ c: RedisConnection, minIdleMilliseconds: Int) throws(RedisError) {
        for key in keys {
            var cursor = "0-0"
            repeat {
                let reply: RedisReply
                do throws(RedisError) {
                    reply = try c.command([
                        "XAUTOCLAIM", key, configuration.group, configuration.consumer,
                        String(minIdleMilliseconds), cursor, "COUNT", "1000",
                    ])
                } catch  where error.isNoGroup {
                    try createGroups(c, [key])
                    break
                } catch  where error.concernsKey {
                    refuse(key, error)
                    break
                }
                guard let parts = reply.elements, parts.count >= 2, let next = parts[0].text else { break }
                cursor = next
                let claimed = StreamEntry.parse(list: parts[1])
                if minIdleMilliseconds > 0, !claimed.isEmpty { handle(key: key, claimed) }
            } while cursor != "0-0" && writeFailure == nil
        }
    }

    /// This member's pending entries of `key`, oldest first.
    func readPending(_ c: RedisConnection, key: String) throws(RedisError) {
        var from = StreamID.zero
        while writeFailure == nil {
            let reply: RedisReply
            do throws(RedisError) {
                reply = try c.command([
                    "XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT", "1000",
                    "STREAMS", key, from.description,
                ])
            } catch  where error.concernsKey {
                refuse(key, error)
                return
            }
            let entries = StreamEntry.parse(streams: reply).first?.entries ?? []
            if entries.isEmpty { return }
            handle(key: key, entries)
            from = entries.last!.id
        }
    }

    /// After a multi-stream read failed with `failure`: asks about each stream alone (`XLEN`) and
    /// skips those Redis refuses. Throws `failure` when no single stream explains it.
    func skipRefusedStreams(_ c: RedisConnection, after failure: RedisError) throws(RedisError) {
        var refused = 0
        for key in keys {
            do throws(RedisError) {
                try c.command(["XLEN", key])
            } catch  where error.concernsKey {
                refuse(key, error)
                refused += 1
            }
        }
        if refused == 0 { throw failure }
    }

    /// Skips `key` (Redis refused a command about it) until its next try.
    func refuse(_ key: String, _ error: RedisError) {
        skipped.skip(key, error, now: monotonicNow(), logger: logger)
        keys.removeAll { $0 == key }
        local.streams = tickStreamCount
        publishSkipped()
    }

    /// Tick streams followed now (`keys` less `qflux:payouts`).
    var tickStreamCount: Int { keys.count - (keys.contains(RedisStreamLayout.payoutsKey) ? 1 : 0) }

    func publishSkipped() {
        local.skippedStreams = skipped.count
        local.streamErrors = skipped.errors
    }
}
