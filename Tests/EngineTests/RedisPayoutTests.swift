import FastDecode
import Foundation
import Logging
import MarketSource
import RedisBridge
import SocketIOServer
import Testing

@testable import Archive
@testable import Engine

/// The broker's payout lists through Redis: an ingest node (`qflux replay --publish` of the real
/// capture 003350, two `updateAssets` lists) publishes them to `qflux:payouts`; a Redis-fed node
/// shows them in `get_assets` and `/health`; an archiver writes them as payout records equal to
/// the ingest node's own archive. Hostile payout entries are counted and never passed on.
@Suite("Redis payout lists", .serialized, .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisPayoutTests {
    static let capture = AnalysisCLITests.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl")

    @Test(
        "ingest → Redis → a Redis-fed node's get_assets and /health, and an archiver whose export --kind payouts equals the ingest's",
        .enabled(if: Dependency.python, Dependency.needsPython),
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func payoutsReachNodeAndArchiver() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let ingestData = dir.path + "/ingest", archiverData = dir.path + "/archiver"

        // Started first: the node and the archiver follow the lists as they are published.
        var nodeConfig = LiveStream.Configuration()
        nodeConfig.server.port = 0
        nodeConfig.source = .redis(redis.address)
        let node = try LiveStream(configuration: nodeConfig, logger: Logger(label: "node"))
        try node.start()
        defer { _ = try? node.stop() }
        var archiverConfig = RedisArchiver.Configuration(address: redis.address, directory: archiverData)
        archiverConfig.syncInterval = 0.1
        archiverConfig.tickChunkSize = 50
        let archiver = try ArchiverThread(archiverConfig)

        let replay = try AnalysisCLITests.qflux([
            "replay", Self.capture.path, "--publish", redis.url, "--collect-stream", "both", "--timeframes", "5s",
            "--data-dir", ingestData, "-q",
        ])
        try #require(replay.status == 0, "replay: \(replay.stderr)")
        let c = try redis.connect()
        let published = Int(try c.command(["XLEN", RedisStreamLayout.payoutsKey]).integer ?? -1)
        #expect(published == 2, "the capture's two updateAssets lists")

        // The node: every list on its board, the same percents as the frames' latest.
        let frames = try PayoutTapeReplayTests.framePercents()
        #expect(waitUntil(30) { node.payoutBoard.current.lists == published }, "\(node.payoutBoard.current)")
        let run = try runScript("redis_payouts_client.py", args: ["http://127.0.0.1:\(node.port)"], timeout: 60)
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(600))")
        let result = try #require(run.result)
        let payouts = try #require((result["assets"] as? [String: Any])?["payouts"] as? [String: Any])
        #expect(payouts.count == frames.count)
        for (asset, percents) in frames {
            #expect((payouts[asset] as? NSNumber)?.doubleValue == percents.last, "\(asset)")
        }
        let ingestTape = try PayoutTape.load(directory: ingestData)
        let health = try #require((result["health"] as? [String: Any])?["payouts"] as? [String: Any])
        #expect((health["assets"] as? NSNumber)?.intValue == frames.count)
        #expect((health["lists"] as? NSNumber)?.intValue == published)
        #expect((health["last_update"] as? NSNumber)?.doubleValue == ingestTape.entries["EURGBP_otc"]?.last?.time)

        // The archiver: every list archived and acknowledged; the export equals the ingest's.
        #expect(
            waitUntil(30) {
                archiver.archiver.statistics.payoutLists == published
                    && (try? pendingCount(c, RedisStreamLayout.payoutsKey)) == 0
            }, "\(archiver.archiver.statistics)")
        let stats = try archiver.stop()
        #expect(stats.malformed == 0 && stats.absurd == 0)
        let fromIngest = try AnalysisCLITests.qflux([
            "export", ingestData, "--kind", "payouts", "--format", "jsonl", "-q",
        ])
        let fromArchiver = try AnalysisCLITests.qflux([
            "export", archiverData, "--kind", "payouts", "--format", "jsonl", "-q",
        ])
        #expect(fromIngest.status == 0 && fromArchiver.status == 0, "\(fromIngest.stderr)\(fromArchiver.stderr)")
        let lines = fromIngest.stdout.split(separator: "\n")
        #expect(lines.count == ingestTape.entryCount && lines.count > frames.count, "\(lines.count) payout rows")
        #expect(fromArchiver.stdout == fromIngest.stdout)
        // … record for record (the export keeps one record per asset and time).
        func payoutRecords(_ directory: String) throws -> [String: Int] {
            try ArchiveIndex.scan(directory: directory).series.filter { $0.kind == .payouts }
                .reduce(into: [:]) { $0[$1.asset, default: 0] += $1.records }
        }
        #expect(try payoutRecords(archiverData) == payoutRecords(ingestData))

        // A node started after the lists were published loads them from the stream.
        var lateConfig = LiveStream.Configuration()
        lateConfig.server.port = 0
        lateConfig.source = .redis(redis.address)
        let late = try LiveStream(configuration: lateConfig, logger: Logger(label: "late"))
        try late.start()
        defer { _ = try? late.stop() }
        #expect(waitUntil(30) { late.payoutBoard.current.lists == published })
        #expect(late.payoutBoard.current.lastUpdate == node.payoutBoard.current.lastUpdate)
        let lateNames = late.payoutBoard.current.percent.map { (late.assets.name(of: $0.key), $0.value) }
        #expect(Dictionary(uniqueKeysWithValues: lateNames) == frames.mapValues { $0.last! })
    }

    /// Payout entries a hostile or broken writer could put in `qflux:payouts`, and the good ones.
    static func hostileEntries(_ time: Double) -> (entries: [[String]], malformed: Int, absurd: Int) {
        let t = time.description
        let entries = [
            ["time", t, "EURUSD_otc", "92", "GBPUSD_otc", "85.5"],  // good
            ["time", "0x1p30", "EURUSD_otc", "90"],  // malformed: hex float time
            ["time", t, "EURUSD_otc", "0x1p6"],  // malformed: hex float percent
            ["time", t, "EURUSD_otc", "inf"],  // malformed
            ["EURUSD_otc", "90"],  // malformed: no time
            ["time", t, "time", t, "EURUSD_otc", "90"],  // malformed: two times
            ["time", t, "EURUSD_otc", "5000"],  // absurd: not a payout
            ["time", t, "EURUSD_otc", "-1"],  // absurd
            ["time", "1e308", "EURUSD_otc", "90"],  // absurd: the time
            ["time", (time + 60).description, "EURUSD_otc", "91"],  // good
        ]
        return (entries, 5, 3)
    }

    @Test("hostile payout entries are refused and counted by the Redis source and the archiver; good lists pass")
    func hostilePayoutEntries() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        let time = (Date().timeIntervalSince1970 - 3600).rounded()
        let hostile = Self.hostileEntries(time)
        try publishEntries(c, RedisStreamLayout.payoutsKey, Array(hostile.entries.prefix(5)))

        var config = RedisSource.Configuration(address: redis.address)
        config.blockMilliseconds = 50
        config.assetPoll = 0.1
        let source = RedisSource(configuration: config, logger: Logger(label: "test.source"))
        let feeder = PayoutFeeder()
        try source.start(feeder: feeder, events: nil)
        defer { source.stop() }
        // Half read at start (XREVRANGE), half followed live (XREAD).
        #expect(waitUntil(20) { feeder.lists.count == 1 })
        try publishEntries(c, RedisStreamLayout.payoutsKey, Array(hostile.entries.dropFirst(5)))
        #expect(waitUntil(20) { feeder.lists.count == 2 })
        let lists = feeder.lists
        #expect(lists.map(\.time) == [time, time + 60])
        #expect(lists.first?.payouts.map(\.percent) == [92, 85.5])
        #expect(lists.first?.payouts.map { feeder.assets.name(of: $0.asset) } == ["EURUSD_otc", "GBPUSD_otc"])
        #expect(lists.last?.payouts.map(\.percent) == [91])
        let metrics = source.metricsText()
        #expect(metric(metrics, "qflux_redis_source_payout_lists_total") == 2)
        #expect(metric(metrics, "qflux_redis_source_malformed_total") == Double(hostile.malformed))
        #expect(metric(metrics, "qflux_redis_source_absurd_total") == Double(hostile.absurd))

        var archiverConfig = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        archiverConfig.syncInterval = 0.05
        let archiver = try ArchiverThread(archiverConfig)
        #expect(
            waitUntil(20) {
                let s = archiver.archiver.statistics
                return s.payoutLists == 2 && s.acknowledged == hostile.entries.count
            }, "\(archiver.archiver.statistics)")
        let stats = try archiver.stop()
        #expect(stats.malformed == hostile.malformed && stats.absurd == hostile.absurd)
        let tape = try PayoutTape.load(directory: dir.path)
        #expect(tape.entries["EURUSD_otc"]?.map(\.time) == [time, time + 60])
        #expect(tape.entries["GBPUSD_otc"]?.map(\.payout) == [0.855])
    }

    @Test(
        "qflux:payouts of another type is skipped by the source and the archiver; ticks go on, lists follow once it is a stream"
    )
    func wrongTypePayoutKey() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        let time = (Date().timeIntervalSince1970 - 3600).rounded()
        try c.command(["SET", RedisStreamLayout.payoutsKey, "not a stream"])
        try c.command(["SADD", RedisStreamLayout.assetsKey, "EURUSD_otc"])
        try publishEntries(c, RedisStreamLayout.ticksKey("EURUSD_otc"), [tickFields(time, 1.5)])

        var config = RedisSource.Configuration(address: redis.address)
        config.blockMilliseconds = 50
        config.assetPoll = 0.1
        config.skippedStreamRetry = 0.2
        let source = RedisSource(configuration: config, logger: Logger(label: "test.source"))
        let feeder = PayoutFeeder()
        try source.start(feeder: feeder, events: nil)
        defer { source.stop() }
        var archiverConfig = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        archiverConfig.syncInterval = 0.05
        archiverConfig.assetPoll = 0.1
        archiverConfig.skippedStreamRetry = 0.2
        let archiver = try ArchiverThread(archiverConfig)

        #expect(waitUntil(20) { metric(source.metricsText(), "qflux_redis_source_skipped_streams") == 1 })
        #expect(waitUntil(20) { archiver.archiver.statistics.skippedStreams == 1 }, "\(archiver.archiver.statistics)")
        try publishEntries(c, RedisStreamLayout.ticksKey("EURUSD_otc"), [tickFields(time + 1, 1.6)])
        #expect(waitUntil(20) { feeder.tickCount >= 1 }, "the tick stream is still followed")
        #expect(waitUntil(20) { archiver.archiver.statistics.archived == 2 }, "\(archiver.archiver.statistics)")

        try c.command(["DEL", RedisStreamLayout.payoutsKey])
        try publishEntries(c, RedisStreamLayout.payoutsKey, [["time", time.description, "EURUSD_otc", "88"]])
        #expect(waitUntil(20) { feeder.lists.count == 1 }, "the payout stream is followed once readable")
        #expect(waitUntil(20) { archiver.archiver.statistics.payoutLists == 1 }, "\(archiver.archiver.statistics)")
        let stats = try archiver.stop()
        #expect(stats.skippedStreams == 0 && stats.streamErrors >= 1)
        #expect(try PayoutTape.load(directory: dir.path).entries["EURUSD_otc"]?.map(\.payout) == [0.88])
    }

    @Test("payout records written after the last checkpoint (a crash) are not written again on restart")
    func payoutCrashWindow() throws {
        let redis = try RedisTestServer()
        let dir = TempDir()
        let c = try redis.connect()
        let time = (Date().timeIntervalSince1970 - 3600).rounded()
        func list(_ offset: Double, _ eur: Double, _ gbp: Double) -> [String] {
            ["time", (time + offset).description, "EURUSD_otc", eur.description, "GBPUSD_otc", gbp.description]
        }
        try publishEntries(c, RedisStreamLayout.payoutsKey, [list(0, 90, 80)])
        var config = RedisArchiver.Configuration(address: redis.address, directory: dir.path)
        config.syncInterval = 0.05
        config.consumer = "crash"
        let first = try ArchiverThread(config)
        #expect(waitUntil(20) { first.archiver.statistics.acknowledged == 1 }, "\(first.archiver.statistics)")
        try first.stop()

        // Two more lists; the first of them reaches the archive without a checkpoint (as if the
        // archiver died right after its sync): EURUSD 91 written, GBPUSD unchanged.
        try publishEntries(c, RedisStreamLayout.payoutsKey, [list(60, 91, 80), list(120, 92, 81)])
        let assets = AssetDirectory()
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir.path, collect: .tick), assets: assets,
            logger: Logger(label: "test"))
        try writer.appendPayout(asset: assets.register("EURUSD_otc"), time: time + 60, percent: 91)
        try writer.close()

        let second = try ArchiverThread(config)
        #expect(waitUntil(20) { second.archiver.statistics.acknowledged == 2 }, "\(second.archiver.statistics)")
        let stats = try second.stop()
        #expect(stats.payoutLists == 2)
        // Every record once: counted raw in the chunks (the tape and the export keep one record per
        // asset and time, so they would hide a record written twice).
        let records = try ArchiveIndex.scan(directory: dir.path).series.filter { $0.kind == .payouts }
        #expect(
            records.reduce(into: [String: Int]()) { $0[$1.asset, default: 0] += $1.records } == [
                "EURUSD_otc": 3, "GBPUSD_otc": 2,
            ])
        let tape = try PayoutTape.load(directory: dir.path)
        #expect(tape.entries["EURUSD_otc"]?.map(\.payout) == [0.90, 0.91, 0.92])
        #expect(tape.entries["EURUSD_otc"]?.map(\.time) == [time, time + 60, time + 120])
        #expect(tape.entries["GBPUSD_otc"]?.map(\.payout) == [0.80, 0.81])
        #expect(try pendingCount(c, RedisStreamLayout.payoutsKey) == 0)
    }
}

/// A ``FrameFeeder`` that keeps the payout lists a source feeds it and counts its ticks (any thread).
final class PayoutFeeder: FrameFeeder, @unchecked Sendable {
    let assets = AssetDirectory()
    private let lock = NSLock()
    private var payouts: [PayoutSnapshot] = []
    private var ticks = 0

    func feed(line: UnsafeRawBufferPointer, readable: Int) { Issue.record("a Redis source fed a raw line") }

    func feed(events: some Sequence<DecodedEvent>) {
        lock.lock()
        defer { lock.unlock() }
        for event in events {
            switch event {
            case let .payouts(p): payouts.append(p)
            case .tick: ticks += 1
            default: break
            }
        }
    }

    /// Lists fed so far, in order.
    var lists: [PayoutSnapshot] {
        lock.lock()
        defer { lock.unlock() }
        return payouts
    }

    /// Live ticks fed so far.
    var tickCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return ticks
    }
}
