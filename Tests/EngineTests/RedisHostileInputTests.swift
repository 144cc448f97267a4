import Candles
import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import RedisBridge

/// An in-process ``RedisArchiver`` on its own thread, stopped by ``stop()``.
final class ArchiverThread: @unchecked Sendable {  // `failure` is written by the thread before `done` is signalled
    let archiver: RedisArchiver
    private let done = DispatchSemaphore(value: 0)
    private var failure: ArchiveError?
    private var stopped = false

    init(_ configuration: RedisArchiver.Configuration) throws {
        archiver = try RedisArchiver(configuration: configuration, logger: Logger(label: "test.archiver"))
        Thread { [self] in
            do throws(ArchiveError) { try archiver.run() } catch { failure = error }
            done.signal()
        }.start()
    }

    deinit { _ = try? stop() }

    /// Stops the archiver, waits for its thread; throws what ``RedisArchiver/run(shouldStop:)`` threw.
    @discardableResult
    func stop() throws -> RedisArchiver.Statistics {
        if !stopped {
            stopped = true
            archiver.stop()
            done.wait()
        }
        if let failure { throw failure }
        return archiver.statistics
    }
}

/// Hostile stream entries and keys against a real redis-server, read by the real Redis source and
/// archiver in process: every entry judged (plain decimals, sane values), refused ones counted
/// and acknowledged, a key of the wrong type skipped while the others are served.
@Suite(
    "Redis hostile input: stream entries and keys", .serialized,
    .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisHostileInputTests {
    static let asset = "EURUSD_otc"
    static var ticksKey: String { RedisStreamLayout.ticksKey(asset) }

    @Test(
        "the Redis source passes on only plain, sane ticks and candles, from history and live; the rest is counted in /metrics"
    )
    func sourceRefusesHostileEntries() throws {
        let redis = try RedisTestServer()
        let c = try redis.connect()
        try c.command(["SADD", RedisStreamLayout.assetsKey, Self.asset])
        let history = HostileTicks(rounds: 4, start: 1_700_000_000)
        try publishEntries(c, Self.ticksKey, history.entries)
        let candleKey = RedisStreamLayout.candlesKey(Timeframe(seconds: 5), Self.asset)
        try publishEntries(
            c, candleKey,
            [
                ["time", "1699999990", "open", "1.1", "high", "1.3", "low", "0.9", "close", "1.2", "volume", "4"],
                // absurd
                ["time", "1699999995", "open", "1.1", "high", "1e308", "low", "0.9", "close", "1.2", "volume", "4"],
                // malformed
                ["time", "1699999985", "open", "1.1", "high", "1.3", "low", "0.9", "close", "nan", "volume", "4"],
                // malformed
                ["time", "0x1p30", "open", "1.1", "high", "1.3", "low", "0.9", "close", "1.2", "volume", "4"],
            ])

        var config = RedisSource.Configuration(address: redis.address)
        config.timeframes = [Timeframe(seconds: 5)]
        config.blockMilliseconds = 50
        config.assetPoll = 0.1
        let source = RedisSource(configuration: config, logger: Logger(label: "test.source"))
        let feeder = CollectingFeeder()
        try source.start(feeder: feeder, events: nil)
        defer { source.stop() }
        try #require(waitUntil(20) { !feeder.history(Self.asset).isEmpty }, "no history fed")
        let snapshot = try #require(feeder.history(Self.asset).first)
        #expect(snapshot.ticks == history.good)
        #expect(snapshot.candles.map(\.time) == [1_699_999_990])

        let live = HostileTicks(rounds: 4, start: 1_700_000_100)
        try publishEntries(c, Self.ticksKey, live.entries)
        #expect(waitUntil(20) { feeder.ticks(Self.asset).count >= live.good.count }, "live ticks not fed")
        #expect(feeder.ticks(Self.asset) == live.good)
        let metrics = source.metricsText()
        #expect(metric(metrics, "qflux_redis_source_ticks_total") == Double(live.good.count))
        #expect(metric(metrics, "qflux_redis_source_history_ticks_total") == Double(history.good.count))
        #expect(metric(metrics, "qflux_redis_source_history_candles_total") == 1)
        #expect(metric(metrics, "qflux_redis_source_malformed_total") == Double(history.malformed + live.malformed + 2))
        #expect(metric(metrics, "qflux_redis_source_absurd_total") == Double(history.absurd + live.absurd + 1))
        #expect(metric(metrics, "qflux_redis_source_reconnects_total") == 0)
    }

    @Test(
        "refused entries do not use up the count-based skip after a crash: nothing archived twice, every refused entry acknowledged"
    )
    func refusedEntriesInTheCrashWindow() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        try c.command(["SADD", RedisStreamLayout.assetsKey, Self.asset])
        var config = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        config.syncInterval = 0.05
        config.consumer = "crash-window"
        func archive(until done: @escaping (RedisArchiver.Statistics) -> Bool) throws -> RedisArchiver.Statistics {
            let run = try ArchiverThread(config)
            #expect(
                waitUntil(20) { done(run.archiver.statistics) && ((try? pendingCount(c, Self.ticksKey)) ?? -1) == 0 },
                "\(run.archiver.statistics)")
            return try run.stop()
        }
        try publishEntries(c, Self.ticksKey, (0..<10).map { tickFields(1_700_000_000 + Double($0), Double($0) + 0.5) })
        #expect(try archive { $0.archived == 10 }.archived == 10)

        // Hostile entries between ticks 10…14; ticks 10, 11, 12 reach the archive without a
        // checkpoint (as if the archiver died between its sync and its checkpoint).
        let bad: [[String]] = [
            ["time", "1e308", "price", "1.5"], ["time", "1700000000", "price", "nan"], ["price", "2.5"],
        ]
        try publishEntries(
            c, Self.ticksKey,
            [
                bad[0], tickFields(1_700_000_010, 10.5), bad[1], tickFields(1_700_000_011, 11.5),
                bad[2], tickFields(1_700_000_012, 12.5), bad[0], tickFields(1_700_000_013, 13.5),
                tickFields(1_700_000_014, 14.5),
            ])
        let assets = AssetDirectory()
        let eur = assets.register(Self.asset)
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir.path, collect: .tick), assets: assets,
            logger: Logger(label: "test"))
        for i in 10..<13 {
            try writer.append(Tick(asset: eur, time: Double(1_700_000_000 + i), price: Double(i) + 0.5))
        }
        try writer.close()

        let second = try archive { $0.archived + $0.duplicatesSkipped + $0.malformed + $0.absurd == 9 }
        #expect(second.archived == 2)
        #expect(second.duplicatesSkipped == 3)
        #expect(second.malformed == 2 && second.absurd == 2, "\(second)")
        #expect(second.acknowledged == 9)
        let prices = (try readArchivedTicks(dir.path).perAsset[Self.asset] ?? []).map(\.price)
        #expect(prices.sorted() == (0..<15).map { Double($0) + 0.5 })
    }

    @Test("entries read again after a reconnect are acknowledged only at the next durability point, not before")
    func noAckBeforeDurableAfterReconnect() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        try c.command(["SADD", RedisStreamLayout.assetsKey, Self.asset])
        var config = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        config.syncInterval = 3600  // no durability point before stop()
        config.blockMilliseconds = 50
        let run = try ArchiverThread(config)
        try #require(waitUntil(20) { run.archiver.statistics.streams == 1 })
        try publishEntries(c, Self.ticksKey, (0..<10).map { tickFields(1_700_000_000 + Double($0), Double($0) + 0.5) })
        // Read (delivered to the archiver, so pending), written to the archive's staging, not durable.
        try #require(waitUntil(20) { ((try? pendingCount(c, Self.ticksKey)) ?? 0) == 10 })
        // Drop the archiver's connection: it reconnects and reads its pending entries again.
        try c.command(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
        try #require(waitUntil(20) { run.archiver.statistics.reconnects >= 1 }, "no reconnect")
        // The re-read entries must stay pending: before the fix they were acknowledged at once as
        // "already archived", with nothing on disk. Give the archiver a few loops to do it.
        let loopsLater = Date().addingTimeInterval(1)
        while Date() < loopsLater {
            #expect(try pendingCount(c, Self.ticksKey) == 10)
            // an absence is tested (no acknowledgement): sampled through a 1 s window
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(run.archiver.statistics.acknowledged == 0)
        let stats = try run.stop()
        #expect(stats.archived == 10 && stats.acknowledged == 10 && stats.duplicatesSkipped == 0, "\(stats)")
        #expect(try pendingCount(c, Self.ticksKey) == 0)
        #expect((try readArchivedTicks(dir.path).perAsset[Self.asset] ?? []).count == 10)
    }

    @Test(
        "a tick stream of the wrong type is skipped and counted; the other streams are read without reconnecting; it is read again once fixed"
    )
    func wrongTypeKeys() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        let good = RedisStreamLayout.ticksKey("GOOD"), bad = RedisStreamLayout.ticksKey("BAD"),
            turned = RedisStreamLayout.ticksKey("TURNED")
        try c.command(["SADD", RedisStreamLayout.assetsKey, "GOOD", "BAD", "TURNED"])
        try c.command(["SET", bad, "x"])
        try publishEntries(c, good, (0..<20).map { tickFields(1_700_000_000 + Double($0), 1.5) })
        try publishEntries(c, turned, (0..<5).map { tickFields(1_700_000_000 + Double($0), 2.5) })

        var sourceConfig = RedisSource.Configuration(address: redis.address)
        sourceConfig.blockMilliseconds = 50
        sourceConfig.assetPoll = 0.1
        sourceConfig.skippedStreamRetry = 0.5
        let source = RedisSource(configuration: sourceConfig, logger: Logger(label: "test.source"))
        let feeder = CollectingFeeder()
        try source.start(feeder: feeder, events: nil)
        defer { source.stop() }
        var archiverConfig = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        archiverConfig.syncInterval = 0.05
        archiverConfig.blockMilliseconds = 50
        archiverConfig.assetPoll = 0.1
        archiverConfig.skippedStreamRetry = 0.5
        let run = try ArchiverThread(archiverConfig)
        func archived(_ asset: String) -> Int { (try? readArchivedTicks(dir.path).perAsset[asset]?.count) ?? 0 }

        // The bad key from the start: GOOD and TURNED are served and archived all the same.
        #expect(waitUntil(20) { archived("GOOD") == 20 && archived("TURNED") == 5 }, "\(run.archiver.statistics)")
        #expect(
            waitUntil(20) {
                feeder.history("GOOD").first?.ticks.count == 20 && feeder.history("TURNED").first?.ticks.count == 5
            })
        #expect(run.archiver.statistics.skippedStreams == 1)
        #expect(metric(source.metricsText(), "qflux_redis_source_skipped_streams") == 1)

        // A followed stream turns into another type: the one XREAD / XREADGROUP over every stream
        // fails; the bad stream is found and skipped, the others go on.
        try c.command(["DEL", turned])
        try c.command(["SET", turned, "x"])
        try publishEntries(c, good, (20..<40).map { tickFields(1_700_000_000 + Double($0), 1.5) })
        #expect(waitUntil(20) { archived("GOOD") == 40 }, "\(run.archiver.statistics)")
        #expect(waitUntil(20) { feeder.ticks("GOOD").count == 20 }, "\(source.metricsText())")
        #expect(waitUntil(20) { run.archiver.statistics.skippedStreams == 2 })
        #expect(waitUntil(20) { metric(source.metricsText(), "qflux_redis_source_skipped_streams") == 2 })

        // Fixed: both are streams again; after the retry interval they are read like the others.
        try c.command(["DEL", bad, turned])
        try publishEntries(c, bad, (0..<7).map { tickFields(1_700_000_100 + Double($0), 3.5) })
        try publishEntries(c, turned, (5..<8).map { tickFields(1_700_000_000 + Double($0), 2.5) })
        #expect(waitUntil(20) { archived("BAD") == 7 && archived("TURNED") == 8 }, "\(run.archiver.statistics)")
        #expect(
            waitUntil(20) { feeder.history("BAD").first?.ticks.count == 7 && feeder.ticks("TURNED").count == 3 },
            "\(source.metricsText())")
        #expect(waitUntil(20) { run.archiver.statistics.skippedStreams == 0 })
        let metrics = source.metricsText()
        #expect(metric(metrics, "qflux_redis_source_skipped_streams") == 0)
        #expect(metric(metrics, "qflux_redis_source_stream_errors_total") >= 2)
        #expect(
            metric(metrics, "qflux_redis_source_reconnects_total") == 0,
            "a per-key error must not reopen the connection")
        let stats = try run.stop()
        #expect(stats.reconnects == 0, "\(stats)")
        #expect(stats.streamErrors >= 2 && stats.skippedStreams == 0, "\(stats)")
        #expect(stats.archived == 40 + 7 + 8)
    }
}
