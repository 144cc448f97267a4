import Candles
import Demo
import FastDecode
import Foundation
import Logging
import RedisBridge
import SocketIOServer
import Synchronization
import Testing

@testable import Archive
@testable import Engine

/// Several nodes through one redis-server, in process: a demo stream publishing, a Redis-fed
/// server node, an archiver. (The same with real qflux processes, kill -9 and a Redis restart:
/// RedisProcessTests.)
@Suite("Redis nodes in process", .serialized, .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisNodeTests {
    @Test(
        "a Redis-fed node serves the same 5s candles as the publishing node; the archiver stores every tick once",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func sameCandlesAndArchive() throws {
        let redis = try RedisTestServer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-redis-nodes-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tickLog = dir.appendingPathComponent("ticks.jsonl").path
        let five = [Timeframe(seconds: 5)]

        var ingestConfig = LiveStream.Configuration()
        ingestConfig.server.port = 0
        ingestConfig.demo.ticksPerSecond = 30
        ingestConfig.demo.assets = 3
        ingestConfig.demo.seed = 11
        ingestConfig.demo.tickLogPath = tickLog
        ingestConfig.pipeline.timeframes = five
        ingestConfig.pipeline.publish = RedisPublisherConfiguration(address: redis.address)
        let ingest = try LiveStream(configuration: ingestConfig, logger: Logger(label: "ingest"))
        try ingest.start()

        var archiverConfig = RedisArchiver.Configuration(
            address: redis.address, directory: dir.appendingPathComponent("data").path)
        archiverConfig.syncInterval = 0.2
        archiverConfig.tickChunkSize = 40
        let archiver = try RedisArchiver(configuration: archiverConfig, logger: Logger(label: "archiver"))
        let archiverDone = DispatchSemaphore(value: 0)
        Thread {
            try? archiver.run(); archiverDone.signal()
        }.start()
        defer { archiver.stop(); archiverDone.wait(); archiverDone.signal() }

        // Closed candles past the history/live boundary are in Redis: wait for the ticks (a fixed
        // sleep was too short on a loaded machine or under a sanitizer).
        #expect(
            waitUntil(60) {
                let ticks = ((try? readTickLog(tickLog)) ?? []).filter { $0.asset == "EURUSD_otc" }
                guard let first = ticks.first, let last = ticks.last else { return false }
                return last.time - first.time >= 16
            }, "the demo did not produce 16 s of ticks")
        var nodeConfig = LiveStream.Configuration()
        nodeConfig.server.port = 0
        nodeConfig.pipeline.timeframes = five
        nodeConfig.source = .redis(redis.address)
        let node = try LiveStream(configuration: nodeConfig, logger: Logger(label: "node"))
        try node.start()
        #expect(waitUntil(10) { node.counters.ticks > 0 })

        // Two clients, one per node, at the same time.
        let ingestPort = ingest.port, nodePort = node.port
        let results = Mutex<[Int: ScriptRun]>([:])
        let group = DispatchGroup()
        for port in [ingestPort, nodePort] {
            group.enter()
            Thread {
                let run: ScriptRun
                do {
                    run = try runScript(
                        "redis_candles_client.py", args: ["http://127.0.0.1:\(port)", "EURUSD_otc", "5s", "12"],
                        timeout: 40)
                } catch {
                    run = ScriptRun(status: -1, stdout: "", stderr: "\(error)", timedOut: false)
                }
                results.withLock { $0[port] = run }
                group.leave()
            }.start()
        }
        group.wait()
        let nodeHealth = try httpGet(port: nodePort, path: "/health").body
        let ingestMetrics = try httpGet(port: ingestPort, path: "/metrics").body
        let ingestHealth = try httpGet(port: ingestPort, path: "/health").body
        _ = try node.stop()
        let summary = try ingest.stop()
        let runs = results.withLock { $0 }
        let a = try #require(
            runs[ingestPort]?.result, "ingest client failed: \(runs[ingestPort].map { $0.stderr.suffix(800) } ?? "")")
        let b = try #require(
            runs[nodePort]?.result, "node client failed: \(runs[nodePort].map { $0.stderr.suffix(800) } ?? "")")
        let first = try #require(try readTickLog(tickLog).first { $0.asset == "EURUSD_otc" })
        try compareCandles(a, b, boundary: (first.time / 5).rounded(.down) * 5 + 5)
        #expect(nodeHealth.contains("\"kind\":\"redis\""), "\(nodeHealth)")
        #expect(ingestHealth.contains("\"redis_publish\":{"), "\(ingestHealth)")
        #expect(ingestMetrics.contains("qflux_redis_publish_dropped_total 0"))

        // The archiver catches up with everything published, then stops.
        let logged = try readTickLog(tickLog)
        #expect(summary.counters.ticks == logged.count)
        #expect(waitUntil(15) { archiver.statistics.archived >= logged.count })
        archiver.stop()
        archiverDone.wait()
        archiverDone.signal()
        try expectExactlyOnce(logged, in: archiverConfig.directory)
    }
}

/// Both clients' candles agree: every candle start both saw as closed (not the newest of
/// either) has the same OHLC; closed history candles agree where both have them, except the periods up
/// to `boundary` (the ingest's first live tick): there the ingest merged the broker's history
/// ticks, which are not published (only live ticks are), and dropped live ticks that repeated them.
func compareCandles(
    _ a: [String: Any], _ b: [String: Any], boundary: Double,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let ca = try #require(a["candles"] as? [String: [Double]], sourceLocation: sourceLocation)
    let cb = try #require(b["candles"] as? [String: [Double]], sourceLocation: sourceLocation)
    let newest = max(ca.keys.compactMap(Int.init).max() ?? 0, cb.keys.compactMap(Int.init).max() ?? 0)
    let common = Set(ca.keys).intersection(cb.keys).filter { Int($0)! < newest - 5 }
    #expect(
        common.count >= 1, "too few common closed candles: \(ca.keys.sorted()) vs \(cb.keys.sorted())",
        sourceLocation: sourceLocation)
    for key in common.sorted() {
        #expect(ca[key] == cb[key], "candle \(key): \(ca[key]!) vs \(cb[key]!)", sourceLocation: sourceLocation)
    }
    let ha = (a["history"] as? [[Double]] ?? []).reduce(into: [Double: [Double]]()) {
        $0[$1[0]] = Array($1.dropFirst())
    }
    let hb = (b["history"] as? [[Double]] ?? []).reduce(into: [Double: [Double]]()) {
        $0[$1[0]] = Array($1.dropFirst())
    }
    // The newest history candle is the one forming when each client subscribed (moments apart).
    let formingA = ha.keys.max() ?? 0, formingB = hb.keys.max() ?? 0
    let commonHistory = Set(ha.keys).intersection(hb.keys).filter { $0 > boundary && $0 < min(formingA, formingB) }
    #expect(commonHistory.count >= 1, "no common history candles", sourceLocation: sourceLocation)
    for t in commonHistory.sorted() {
        #expect(ha[t] == hb[t], "history candle \(t): \(ha[t]!) vs \(hb[t]!)", sourceLocation: sourceLocation)
    }
}

/// Every logged tick is in the archive exactly once (per asset, as multisets of (time, price)).
func expectExactlyOnce(_ logged: [LoggedTick], in directory: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws
{
    let archived = try readArchivedTicks(directory).perAsset
    var want: [String: [String: Int]] = [:]
    for t in logged { want[t.asset, default: [:]]["\(t.time)|\(t.price)", default: 0] += 1 }
    var got: [String: [String: Int]] = [:]
    for (asset, ticks) in archived {
        for t in ticks { got[asset, default: [:]]["\(t.time)|\(t.price)", default: 0] += 1 }
    }
    let total = archived.values.reduce(0) { $0 + $1.count }
    #expect(total == logged.count, "archived \(total) ticks, published \(logged.count)", sourceLocation: sourceLocation)
    for asset in Set(want.keys).union(got.keys).sorted() {
        let w = want[asset] ?? [:], g = got[asset] ?? [:]
        let missing = w.filter { (g[$0.key] ?? 0) < $0.value }.count
        let extra = g.filter { (w[$0.key] ?? 0) < $0.value }.count
        #expect(
            missing == 0 && extra == 0, "\(asset): \(missing) ticks missing, \(extra) duplicated or unknown",
            sourceLocation: sourceLocation)
    }
}

/// The archiver's crash window, made deterministic: ticks that reached the archive after the last
/// checkpoint (a kill -9 between sync and checkpoint) are recognised by count and not written again.
@Suite("Redis archiver checkpoint", .serialized, .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisArchiverCheckpointTests {
    @Test(
        "ticks archived after the last checkpoint are skipped on restart; redelivered entries are acknowledged, not rewritten"
    )
    func crashWindow() throws {
        let redis = try RedisTestServer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-redis-ckpt-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try redis.connect()
        try c.command(["SADD", RedisStreamLayout.assetsKey, "EURUSD_otc"])
        func add(_ i: Int) throws {
            try c.command([
                "XADD", RedisStreamLayout.ticksKey("EURUSD_otc"), "*", "time", "\(1_700_000_000 + i)", "price",
                "\(i).5",
            ])
        }
        for i in 0..<10 { try add(i) }

        var config = RedisArchiver.Configuration(address: redis.address, directory: dir)
        config.syncInterval = 0.05
        config.consumer = "ckpt"
        func runArchiver(until archived: Int) throws -> RedisArchiver.Statistics {
            let archiver = try RedisArchiver(configuration: config, logger: Logger(label: "test"))
            let done = DispatchSemaphore(value: 0)
            Thread {
                try? archiver.run(); done.signal()
            }.start()
            _ = waitUntil(10) { archiver.statistics.archived + archiver.statistics.duplicatesSkipped >= archived }
            // ... and acknowledged (after the durability point that counted them)
            #expect(waitUntil(10) { archiver.statistics.acknowledged >= archived }, "\(archiver.statistics)")
            archiver.stop()
            done.wait()
            return archiver.statistics
        }
        #expect(try runArchiver(until: 10).archived == 10)

        // Five more entries; three of them reach the archive without a checkpoint (as if the
        // archiver died right after its sync).
        for i in 10..<15 { try add(i) }
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc")
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir, collect: .tick), assets: assets,
            logger: Logger(label: "test"))
        for i in 10..<13 {
            try writer.append(Tick(asset: eur, time: Double(1_700_000_000 + i), price: Double(i) + 0.5))
        }
        try writer.close()

        let second = try runArchiver(until: 5)
        #expect(second.archived == 2)
        #expect(second.duplicatesSkipped == 3)
        let ticks = try readArchivedTicks(dir).perAsset["EURUSD_otc"] ?? []
        #expect(ticks.map(\.price).sorted() == (0..<15).map { Double($0) + 0.5 })
        let pending = try c.command([
            "XPENDING", RedisStreamLayout.ticksKey("EURUSD_otc"), RedisStreamLayout.defaultGroup,
        ])
        #expect(pending.elements?.first?.integer == 0, "\(pending)")
    }
}
