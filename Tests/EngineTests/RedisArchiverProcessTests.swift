import FastDecode
import Foundation
import Testing

@testable import RedisBridge

/// The real `qflux archive --from redis://…` process against a real redis-server: hostile entries
/// published with RESP (checked afterwards with `qflux export`), a tick key of the wrong type, and
/// a full disk (RLIMIT_FSIZE) followed by a restart with room again.
@Suite(
    "Redis archiver process: hostile entries, a wrong-type key, a full disk", .serialized,
    .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisArchiverProcessTests {
    static func archiveArgs(_ redis: RedisTestServer, _ data: String, _ extra: [String] = []) -> [String] {
        ["archive", "--from", redis.url, "--data-dir", data, "--consumer", "test", "--sync-interval", "0.05"] + extra
    }

    /// Waits until `child` exits by itself; its status, or nil after `timeout` (then it is killed).
    static func exitStatus(_ child: QfluxChild, timeout: Double) -> Int32? {
        guard waitUntil(timeout, { !child.process.isRunning }) else {
            _ = child.stop(SIGKILL, timeout: 5)
            return nil
        }
        child.process.waitUntilExit()
        return child.process.terminationReason == .exit
            ? child.process.terminationStatus : 128 + child.process.terminationStatus
    }

    @Test(
        "absurd and malformed entries (±1e308, NaN, inf, 1e308, hex floats, +1, over-long, missing fields) never reach the archive; counted, acknowledged"
    )
    func hostileEntriesEndToEnd() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let dir = TempDir()
        let data = dir.path + "/data"
        let c = try redis.connect()
        let streams = [
            "EURUSD_otc": HostileTicks(rounds: 40, start: 1_700_000_000),
            "#AAPL_otc": HostileTicks(rounds: 25, start: 1_700_100_000),
        ]
        try c.command(["SADD", RedisStreamLayout.assetsKey] + streams.keys.sorted())
        for (asset, ticks) in streams { try publishEntries(c, RedisStreamLayout.ticksKey(asset), ticks.entries) }
        let good = streams.values.reduce(0) { $0 + $1.good.count }
        let entries = streams.values.reduce(0) { $0 + $1.entries.count }

        let archiver = try QfluxChild(qflux, Self.archiveArgs(redis, data))
        let caughtUp = waitUntil(30) {
            archivedCount(data) == good
                && streams.keys.allSatisfy {
                    ((try? pendingCount(c, RedisStreamLayout.ticksKey($0), group: RedisStreamLayout.defaultGroup)) ?? -1)
                        == 0
                }
        }
        #expect(caughtUp, "archived \(archivedCount(data)) of \(good): \(archiver.stderr.suffix(800))")
        let exit = try #require(archiver.stop(SIGTERM, timeout: 20), "no exit after SIGTERM")
        #expect(exit.reason == .exit && exit.status == 0, "\(archiver.stderr.suffix(800))")
        let summary = archiver.stderr
        #expect(number(in: summary, before: " ticks archived") == good, "\(summary.suffix(600))")
        #expect(number(in: summary, before: " acknowledged") == entries, "\(summary.suffix(600))")
        #expect(number(in: summary, before: " malformed") == streams.values.reduce(0) { $0 + $1.malformed })
        #expect(number(in: summary, before: " absurd") == streams.values.reduce(0) { $0 + $1.absurd })

        // What `qflux export` reads back is exactly the good ticks, in order: nothing absurd stored.
        let exported = try exportedTicks(qflux, data)
        for (asset, ticks) in streams {
            #expect(
                exported[asset] == ticks.good,
                "\(asset): \(exported[asset]?.count ?? 0) exported of \(ticks.good.count)")
        }
        #expect(exported.values.joined().allSatisfy { MarketLimits.isSane(time: $0.time, price: $0.price) })
        // The archive's own reader agrees, and so does `qflux verify`.
        let verify = try ArchiveTestData.run(qflux, ["verify", data])
        #expect(verify.0 == 0 && verify.1.contains("0 damaged"), "\(verify.1)")
    }

    @Test(
        "a tick key holding a string is skipped with one log line naming it; the other stream is archived; no false 'cannot reach Redis'"
    )
    func wrongTypeKeyProcess() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let dir = TempDir()
        let data = dir.path + "/data"
        let c = try redis.connect()
        let good = RedisStreamLayout.ticksKey("GOOD"), bad = RedisStreamLayout.ticksKey("BAD")
        try c.command(["SET", bad, "x"])
        try c.command(["SADD", RedisStreamLayout.assetsKey, "BAD", "GOOD"])
        try publishEntries(c, good, (0..<50).map { tickFields(1_700_000_000 + Double($0), 1.5) })

        let archiver = try QfluxChild(qflux, Self.archiveArgs(redis, data))
        #expect(
            waitUntil(30) { archivedCount(data) == 50 },
            "archived \(archivedCount(data)): \(archiver.stderr.suffix(800))")
        try publishEntries(c, good, (50..<100).map { tickFields(1_700_000_000 + Double($0), 1.5) })
        #expect(
            waitUntil(30) { archivedCount(data) == 100 && ((try? pendingCount(c, good)) ?? -1) == 0 },
            "archived \(archivedCount(data)): \(archiver.stderr.suffix(800))")
        let exit = try #require(archiver.stop(SIGTERM, timeout: 20), "no exit after SIGTERM")
        #expect(exit.reason == .exit && exit.status == 0, "\(archiver.stderr.suffix(800))")
        let stderr = archiver.stderr
        #expect(
            stderr.components(separatedBy: bad).count - 1 == 1, "the bad key must be named once: \(stderr.suffix(1500))"
        )
        #expect(stderr.contains("WRONGTYPE"), "\(stderr.suffix(800))")
        #expect(
            !stderr.contains("cannot reach Redis") && !stderr.contains("lost its Redis connection"),
            "\(stderr.suffix(1500))")
        #expect(
            stderr.contains("100 ticks archived") && stderr.contains("1 streams skipped")
                && stderr.contains("0 reconnects"),
            "\(stderr.suffix(800))")
    }

    @Test(
        "Redis refusing writes for a while (OOM under maxmemory): one 'answered with an error' line, not 'cannot reach Redis', then archiving resumes"
    )
    func serverStateErrorProcess() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let dir = TempDir()
        let data = dir.path + "/data"
        let c = try redis.connect()
        let key = RedisStreamLayout.ticksKey("EURUSD_otc")
        try c.command(["SADD", RedisStreamLayout.assetsKey, "EURUSD_otc"])
        try publishEntries(c, key, (0..<30).map { tickFields(1_700_000_000 + Double($0), 1.5) })
        try c.command(["CONFIG", "SET", "maxmemory", "1"])  // every write that may need memory: -OOM

        let archiver = try QfluxChild(qflux, Self.archiveArgs(redis, data))
        #expect(archiver.waitFor("answered with an error", timeout: 20), "\(archiver.stderr.suffix(800))")
        #expect(
            waitUntil(3) { archiver.stderr.components(separatedBy: "answered with an error").count - 1 > 1 } == false,
            "the same error is logged once, not on every retry: \(archiver.stderr.suffix(1500))")
        try c.command(["CONFIG", "SET", "maxmemory", "0"])
        #expect(
            waitUntil(30) { archivedCount(data) == 30 && ((try? pendingCount(c, key)) ?? -1) == 0 },
            "archived \(archivedCount(data)): \(archiver.stderr.suffix(800))")
        let exit = try #require(archiver.stop(SIGTERM, timeout: 20), "no exit after SIGTERM")
        #expect(exit.reason == .exit && exit.status == 0, "\(archiver.stderr.suffix(800))")
        let stderr = archiver.stderr
        #expect(stderr.contains("OOM"), "\(stderr.suffix(800))")
        #expect(
            !stderr.contains("cannot reach Redis") && !stderr.contains("lost its Redis connection"),
            "\(stderr.suffix(1500))")
        #expect(stderr.contains("30 ticks archived") && stderr.contains("0 streams skipped"), "\(stderr.suffix(800))")
    }

    @Test(
        "disk full at a durability point (RLIMIT_FSIZE): exit 1 and one line naming the file; nothing unwritten acknowledged; a restart archives every tick exactly once",
        .enabled(if: Dependency.prlimit, Dependency.needsPrlimit))
    func diskFullArchiverAtSync() throws {
        // One chunk per stream that never closes: the limit is hit when a sync writes the staged ticks.
        try diskFull(chunkSize: 1_000_000, restAtOnce: false)
    }

    @Test(
        "disk full while closing a chunk (RLIMIT_FSIZE): exit 1, not a silently suspended stream whose later ticks are acknowledged unwritten",
        .enabled(if: Dependency.prlimit, Dependency.needsPrlimit))
    func diskFullArchiverAtChunkClose() throws {
        // 3,000-tick chunks (≈ 14 KB, past the 8 KiB limit) and the rest published in one MULTI: the
        // archiver reads 4,096 entries per stream at once, so the limit is hit inside an append,
        // when the chunk closes – the path where the writer used to drop later ticks silently.
        try diskFull(chunkSize: 3000, restAtOnce: true)
    }

    /// 2 × 10,000 ticks; the first 1,000 of each archived and acknowledged under the limit, then
    /// the rest; the archiver must stop with exit 1; a restart without the limit completes it.
    private func diskFull(chunkSize: Int, restAtOnce: Bool) throws {
        guard let qflux = builtQflux(), let prlimit = Dependency.prlimitPath else { return }
        let redis = try RedisTestServer()
        let dir = TempDir()
        let data = dir.path + "/data"
        let c = try redis.connect()
        // A random walk of whole pips at random intervals (≈ 4–5 bytes a tick in the archive):
        // 1,000 ticks fit in 8 KiB, 3,000 do not.
        let assetNames = ["EURUSD_otc", "GBPUSD_otc"]
        var generator = SystemRandomNumberGenerator()
        var published: [LoggedTick] = []
        var batches: [[String: [[String]]]] = [[:], [:]]
        for asset in assetNames {
            var t = 1_700_000_000.0
            var pips = 110_000
            for i in 0..<10_000 {
                t += Double(Int.random(in: 1...900, using: &generator)) / 1000
                pips += Int.random(in: -3...3, using: &generator)
                let price = Double(pips) / 100_000
                batches[i < 1000 ? 0 : 1][asset, default: []].append(tickFields(t, price))
                published.append(LoggedTick(asset: asset, time: t, price: price))
            }
            try c.command(["SADD", RedisStreamLayout.assetsKey, asset])
        }
        func allAcknowledged() -> Bool {
            assetNames.allSatisfy { ((try? pendingCount(c, RedisStreamLayout.ticksKey($0))) ?? -1) == 0 }
        }

        // Every write past 8 KiB of a file fails with EFBIG, as on a full disk (SIGXFSZ ignored by
        // the shell before exec: a full disk raises no signal).
        let args = Self.archiveArgs(redis, data, ["--tick-chunk-size", String(chunkSize)])
        let command = ([prlimit, "--fsize=\(ReliabilityFaultTests.fileSizeLimit)", qflux] + args).map { "'\($0)'" }
            .joined(separator: " ")
        let limited = try QfluxChild("/bin/sh", ["-c", "trap '' XFSZ; exec \(command)"])
        for (asset, fields) in batches[0] { try publishEntries(c, RedisStreamLayout.ticksKey(asset), fields) }
        #expect(
            waitUntil(30) { archivedCount(data) == 2000 && allAcknowledged() },
            "first 2,000 ticks: \(limited.stderr.suffix(800))")
        if restAtOnce {
            try publishAtomically(c, batches[1].map { (RedisStreamLayout.ticksKey($0.key), $0.value) })
        } else {
            for (asset, fields) in batches[1] { try publishEntries(c, RedisStreamLayout.ticksKey(asset), fields) }
        }
        let status = Self.exitStatus(limited, timeout: 60)
        let stderr = limited.stderr
        #expect(
            status == 1,
            "the archiver must stop by itself with exit 1 on a write error: status \(status.map(String.init) ?? "none (still running)"): \(stderr.suffix(1200))"
        )
        let failure = stderr.split(separator: "\n").filter { $0.hasPrefix("qflux archive: archive write error") }
        #expect(failure.count == 1, "\(stderr.suffix(1200))")
        let line = String(failure.first ?? "")
        #expect(
            line.contains(data + "/") && line.contains(".qfa.lz4") && line.contains("File too large (errno 27)"),
            "\(line)")
        #expect(
            !stderr.contains("dropping"),
            "the writer's own 'dropping records' message is a second, wrong line: \(stderr.suffix(1200))")

        // Nothing acknowledged that is not in the archive: per stream, every delivered entry that
        // is no longer pending (acknowledged) holds a tick the archive has.
        let archived = try readArchivedTicks(data).perAsset
        let archivedTotal = archived.values.reduce(0) { $0 + $1.count }
        #expect(archivedTotal < published.count, "the limit never hit: \(archivedTotal) archived")
        #expect(archivedTotal >= 2000)
        var acknowledged = 0
        for asset in assetNames {
            let key = RedisStreamLayout.ticksKey(asset)
            let pending = Set(
                (try c.command(["XPENDING", key, RedisStreamLayout.defaultGroup, "-", "+", "100000"]).elements ?? [])
                    .compactMap { $0.elements?.first?.text.flatMap(StreamID.init) })
            let groups = try c.command(["XINFO", "GROUPS", key]).elements ?? []
            let info = groups.first?.elements ?? []
            let lastDelivered =
                zip(info, info.dropFirst()).first { $0.0.text == "last-delivered-id" }?.1.text.flatMap(StreamID.init)
                ?? .zero
            let entries = StreamEntry.parse(list: try c.command(["XRANGE", key, "-", lastDelivered.description]))
            let acked = entries.filter { !pending.contains($0.id) }
            acknowledged += acked.count
            var have: [String: Int] = [:]
            for t in archived[asset] ?? [] { have["\(t.time)|\(t.price)", default: 0] += 1 }
            let missing = acked.filter { e in
                let k = "\(e.double("time") ?? .nan)|\(e.double("price") ?? .nan)"
                guard let n = have[k], n > 0 else { return true }
                have[k] = n - 1
                return false
            }
            #expect(missing.isEmpty, "\(asset): \(missing.count) acknowledged entries are not in the archive")
        }
        // The line's counts are true.
        #expect(
            number(in: line, before: " entries acknowledged") == acknowledged,
            "\(line) / \(acknowledged) acknowledged in Redis")
        #expect((number(in: line, before: " ticks archived") ?? .max) <= archivedTotal, "\(line)")
        print(
            "redis archiver disk full (chunks of \(chunkSize)): \(archivedTotal) of \(published.count) ticks on disk, \(acknowledged) acknowledged at the error"
        )

        // Room again: a restart archives exactly the missing ticks.
        let restarted = try QfluxChild(qflux, Self.archiveArgs(redis, data))
        #expect(
            waitUntil(60) { archivedCount(data) >= published.count && allAcknowledged() },
            "archived \(archivedCount(data)) of \(published.count): \(restarted.stderr.suffix(800))")
        let exit = try #require(restarted.stop(SIGTERM, timeout: 20), "no exit after SIGTERM")
        #expect(exit.reason == .exit && exit.status == 0, "\(restarted.stderr.suffix(800))")
        try expectExactlyOnce(published, in: data)
    }
}
