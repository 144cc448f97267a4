import Candles
import FastDecode
import Foundation
import Logging
import RedisBridge
import ThreadSupport

/// Reading the streams through the consumer group: discovery, groups, claims, pending and new
/// entries. Every batch read goes to ``commit(_:)`` before the next read.
extension PostgresArchiverRun {
    /// After a (re)connect of either server: the groups exist, the group's pending entries are
    /// this member's, and they are committed (or skipped as committed before).
    func takeOver() throws(ArchiverStepError) {
        let c = try redisConnection()
        try discover(c)
        try createGroups(c, keys)
        try claim(c, minIdleMilliseconds: 0)
        for key in keys { try readPending(c, key: key) }
        nextClaim = monotonicNow() + configuration.claimIdle
    }

    func step() throws(ArchiverStepError) {
        let c = try redisConnection()
        let now = monotonicNow()
        if now >= nextStreamLook { try discover(c) }
        if now >= nextClaim {
            nextClaim = now + configuration.claimIdle
            try claim(c, minIdleMilliseconds: Int(configuration.claimIdle * 1000))
        }
        guard !keys.isEmpty else {
            usleep(UInt32(configuration.blockMilliseconds) * 1000)
            return
        }
        let args =
            [
                "XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT",
                String(configuration.readCount), "BLOCK", String(configuration.blockMilliseconds), "STREAMS",
            ] + keys + Array(repeating: ">", count: keys.count)
        let reply: RedisReply
        do throws(RedisError) {
            reply = try c.command(args)
        } catch  where error.concernsKey {
            try ignoreRefusedStreams(c, after: error)
            return
        } catch {
            throw .redis(error)
        }
        try commit(StreamEntry.parse(streams: reply))
    }

    func redisConnection() throws(ArchiverStepError) -> RedisConnection {
        guard let c = redis else { throw .redis(RedisError(.connect, "not connected")) }
        return c
    }

    /// Tick streams from `qflux:assets`, candle streams from `SCAN … MATCH qflux:candles:*`.
    func discover(_ c: RedisConnection) throws(ArchiverStepError) {
        let now = monotonicNow()
        nextStreamLook = now + configuration.streamPoll
        var found: [(String, StreamKind)] = []
        do throws(RedisError) {
            let members = try c.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements ?? []
            for name in members.compactMap(\.text).sorted() {
                found.append((RedisStreamLayout.ticksKey(name), .ticks(asset: name, pair: CopyText.field(name))))
            }
            var cursor = "0"
            repeat {
                let reply = try c.command([
                    "SCAN", cursor, "MATCH", "qflux:candles:*", "COUNT", "1000", "TYPE", "stream",
                ])
                guard let parts = reply.elements, parts.count == 2, let next = parts[0].text else { break }
                cursor = next
                for key in (parts[1].elements ?? []).compactMap(\.text).sorted() {
                    if let kind = Self.candleKind(key) { found.append((key, kind)) }
                }
            } while cursor != "0"
        } catch  where error.concernsKey {
            // qflux:assets holds another type: follow what is known.
        } catch {
            throw .redis(error)
        }
        var added: [String] = []
        for (key, kind) in found where kinds[key] == nil || !keys.contains(key) {
            if let until = ignoredUntil[key], until > now { continue }
            let asset: String
            switch kind {
            case let .ticks(a, _): asset = a
            case let .candles(a, _): asset = a
            }
            if asset.utf8.count > PostgresSchema.pairLength {
                if ignoredUntil[key] == nil {
                    logger.warning(
                        "stream \(key) not archived: its asset name is longer than the \(PostgresSchema.pairLength) characters of the pair column"
                    )
                }
                ignoredUntil[key] = .infinity
                continue
            }
            kinds[key] = kind
            keys.append(key)
            added.append(key)
        }
        if !added.isEmpty {
            try createGroups(c, added)
            for key in added where keys.contains(key) { try readPending(c, key: key) }
        }
    }

    /// `qflux:candles:<timeframe>:<asset>` → its kind (nil for another shape).
    static func candleKind(_ key: String) -> StreamKind? {
        let rest = key.dropFirst("qflux:candles:".count)
        guard let colon = rest.firstIndex(of: ":"), let tf = Timeframe(parsing: String(rest[..<colon])) else {
            return nil
        }
        let asset = String(rest[rest.index(after: colon)...])
        return asset.isEmpty ? nil : .candles(asset: asset, timeframe: tf)
    }

    func createGroups(_ c: RedisConnection, _ list: [String]) throws(ArchiverStepError) {
        for key in list {
            do throws(RedisError) {
                try c.command(["XGROUP", "CREATE", key, configuration.group, "0", "MKSTREAM"])
            } catch  where error.isBusyGroup {
                // exists: keep its position
            } catch  where error.concernsKey {
                ignore(key, error)
            } catch {
                throw .redis(error)
            }
        }
    }

    /// Takes pending entries idle at least `minIdle` ms from every member (XAUTOCLAIM); with
    /// a minimum above 0 the claimed entries are committed at once.
    func claim(_ c: RedisConnection, minIdleMilliseconds: Int) throws(ArchiverStepError) {
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
                    ignore(key, error)
                    break
                } catch {
                    throw .redis(error)
                }
                guard let parts = reply.elements, parts.count >= 2, let next = parts[0].text else { break }
                cursor = next
                let claimed = StreamEntry.parse(list: parts[1])
                if minIdleMilliseconds > 0, !claimed.isEmpty { try commit([(key, claimed)]) }
            } while cursor != "0-0"
        }
    }

    /// This member's pending entries of `key`, oldest first, committed batch by batch.
    func readPending(_ c: RedisConnection, key: String) throws(ArchiverStepError) {
        var from = StreamID.zero
        while true {
            let reply: RedisReply
            do throws(RedisError) {
                reply = try c.command([
                    "XREADGROUP", "GROUP", configuration.group, configuration.consumer, "COUNT",
                    String(configuration.readCount), "STREAMS", key, from.description,
                ])
            } catch  where error.concernsKey {
                ignore(key, error)
                return
            } catch {
                throw .redis(error)
            }
            let entries = StreamEntry.parse(streams: reply).first?.entries ?? []
            if entries.isEmpty { return }
            try commit([(key, entries)])
            from = entries.last!.id
        }
    }

    /// After a multi-stream read failed: the streams Redis refuses (`XLEN`) are left out for 30 s.
    func ignoreRefusedStreams(_ c: RedisConnection, after failure: RedisError) throws(ArchiverStepError) {
        var refused = 0
        for key in keys {
            do throws(RedisError) {
                try c.command(["XLEN", key])
            } catch  where error.concernsKey {
                ignore(key, error)
                refused += 1
            } catch {
                throw .redis(error)
            }
        }
        if refused == 0 { throw .redis(failure) }
    }

    func ignore(_ key: String, _ error: RedisError) {
        logger.warning("stream \(key) skipped for 30 s: Redis refuses it", metadata: ["error": "\(error.message)"])
        ignoredUntil[key] = monotonicNow() + 30
        keys.removeAll { $0 == key }
    }
}
