import Foundation
import RedisBridge
import Synchronization
import Testing

@testable import Archive

/// Three real `qflux` processes on one machine around one redis-server: an ingest node
/// (`stream --demo --publish`), a Redis-fed server node (`stream --source redis://…`) and an
/// archiver node (`archive --from`), with `kill -9` of the archiver and a Redis restart.
@Suite("Redis nodes as qflux processes", .serialized, .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisProcessTests {
    @Test(
        "ingest → Redis → serve and archive: same candles on both nodes; kill -9 of the archiver, restart: every tick archived once",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func threeNodesKillArchiver() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-redis-proc-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tickLog = dir.appendingPathComponent("ticks.jsonl").path
        let data = dir.appendingPathComponent("data").path
        let archiveArgs = [
            "archive", "--from", redis.url, "--data-dir", data, "--consumer", "test-archiver",
            "--sync-interval", "0.2", "--tick-chunk-size", "40",
        ]

        let ingest = try QfluxChild(
            qflux,
            [
                "stream", "--demo", "--demo-rate", "30", "--demo-assets", "3", "--demo-seed", "5",
                "--demo-tick-log", tickLog, "--port", "0", "--timeframes", "5s", "--publish", redis.url,
            ])
        let ingestPort = try #require(ingest.port(), "ingest did not start: \(ingest.stderr)")
        var archiver = try QfluxChild(qflux, archiveArgs)
        #expect(archiver.waitFor("archiving ticks from", timeout: 20), "\(archiver.stderr)")
        // killed once it has archived a few chunks (--tick-chunk-size 40)
        #expect(waitUntil(30) { archivedCount(data) >= 120 }, "archived \(archivedCount(data)) before the first kill")
        #expect(archiver.stop(SIGKILL, timeout: 10) != nil)
        // restarted once the ingest has published more while it was down
        let atKill = lineCount(tickLog)
        #expect(
            waitUntil(20) { lineCount(tickLog) >= atKill + 30 }, "the ingest did not go on while the archiver was down")
        archiver = try QfluxChild(qflux, archiveArgs)
        #expect(archiver.waitFor("archiving ticks from", timeout: 20), "\(archiver.stderr)")

        // Closed candles past the ingest's history/live boundary: wait (not a fixed sleep: a loaded
        // machine starts the demo late) until EURUSD_otc's ticks span more than three 5 s periods.
        #expect(
            waitUntil(45) {
                let ticks = ((try? readTickLog(tickLog)) ?? []).filter { $0.asset == "EURUSD_otc" }
                guard let first = ticks.first, let last = ticks.last else { return false }
                return last.time - first.time >= 16
            }, "the demo did not produce 16 s of ticks")
        let serve = try QfluxChild(qflux, ["stream", "--source", redis.url, "--port", "0", "--timeframes", "5s"])
        let servePort = try #require(serve.port(), "server node did not start: \(serve.stderr)")
        #expect(
            waitUntil(15) {
                ((try? httpGet(port: servePort, path: "/health").body) ?? "").contains("\"connected\":true")
            })

        // A client per node at the same time; the archiver is killed again meanwhile.
        let results = Mutex<[Int: ScriptRun]>([:])
        let group = DispatchGroup()
        for port in [ingestPort, servePort] {
            group.enter()
            Thread {
                let run =
                    (try? runScript(
                        "redis_candles_client.py", args: ["http://127.0.0.1:\(port)", "EURUSD_otc", "5s", "12"],
                        timeout: 40)) ?? ScriptRun(status: -1, stdout: "", stderr: "did not run", timedOut: false)
                results.withLock { $0[port] = run }
                group.leave()
            }.start()
        }
        // killed again while both clients are connected and it is archiving
        let archivedBefore = archivedCount(data)
        #expect(
            waitUntil(30) {
                [ingestPort, servePort].allSatisfy {
                    metric((try? httpGet(port: $0, path: "/metrics").body) ?? "", "qflux_server_clients") >= 1
                }
                    && archivedCount(data) > archivedBefore
            }, "the clients did not connect or the archiver stalled")
        #expect(archiver.stop(SIGKILL, timeout: 10) != nil)
        archiver = try QfluxChild(qflux, archiveArgs)
        group.wait()
        let serveHealth = try httpGet(port: servePort, path: "/health").body
        let ingestMetrics = try httpGet(port: ingestPort, path: "/metrics").body

        #expect(ingest.stop(SIGTERM, timeout: 20)?.status == 0, "\(ingest.stderr.suffix(1000))")
        #expect(serve.stop(SIGTERM, timeout: 20)?.status == 0, "\(serve.stderr.suffix(1000))")
        let runs = results.withLock { $0 }
        let a = try #require(runs[ingestPort]?.result, "ingest client: \(runs[ingestPort]?.stderr.suffix(800) ?? "")")
        let b = try #require(
            runs[servePort]?.result, "server node client: \(runs[servePort]?.stderr.suffix(800) ?? "")")
        let logged = try readTickLog(tickLog)
        let first = try #require(logged.first { $0.asset == "EURUSD_otc" })
        try compareCandles(a, b, boundary: (first.time / 5).rounded(.down) * 5 + 5)
        #expect(serveHealth.contains("\"kind\":\"redis\""), "\(serveHealth)")
        #expect(ingestMetrics.contains("qflux_redis_publish_connected 1"), "\(ingestMetrics)")
        #expect(ingestMetrics.contains("qflux_redis_publish_dropped_total 0"))

        // The restarted archiver catches up, stops cleanly, and the archive holds every tick once.
        #expect(
            waitUntil(30) { archivedCount(data) >= logged.count }, "archived \(archivedCount(data)) of \(logged.count)")
        let exit = archiver.stop(SIGTERM, timeout: 20)
        #expect(exit?.status == 0, "\(archiver.stderr.suffix(1000))")
        #expect(archiver.stderr.contains("qflux archive: stopped:"), "\(archiver.stderr.suffix(600))")
        try expectExactlyOnce(logged, in: data)
    }

    @Test(
        "Redis stopped for seconds and started again: the publisher's backlog arrives, the archiver re-creates its group, every tick archived once"
    )
    func redisRestart() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-redis-restart-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tickLog = dir.appendingPathComponent("ticks.jsonl").path
        let data = dir.appendingPathComponent("data").path

        let ingest = try QfluxChild(
            qflux,
            [
                "stream", "--demo", "--demo-rate", "40", "--demo-assets", "3", "--demo-seed", "9",
                "--demo-tick-log", tickLog, "--port", "0", "--timeframes", "5s", "--publish", redis.url,
            ])
        let ingestPort = try #require(ingest.port(), "ingest did not start: \(ingest.stderr)")
        let archiver = try QfluxChild(
            qflux, ["archive", "--from", redis.url, "--data-dir", data, "--sync-interval", "0.2"])
        let serve = try QfluxChild(qflux, ["stream", "--source", redis.url, "--port", "0", "--timeframes", "5s"])
        let servePort = try #require(serve.port(), "server node did not start: \(serve.stderr)")
        // ticks flow ingest → Redis → archiver and server node
        #expect(
            waitUntil(30) {
                archivedCount(data) >= 100
                    && metric(
                        (try? httpGet(port: servePort, path: "/metrics").body) ?? "", "qflux_redis_source_ticks_total")
                        >= 100
            }, "no ticks through Redis: archived \(archivedCount(data))")

        // Pause the ingest until the archiver has everything Redis holds, so stopping Redis (which
        // forgets all: no persistence) loses nothing the archiver had not read.
        kill(ingest.process.processIdentifier, SIGSTOP)
        #expect(waitUntil(20) { archivedCount(data) == (try? streamLengths(redis)) ?? -1 }, "archiver did not catch up")
        redis.stop()
        kill(ingest.process.processIdentifier, SIGCONT)
        // the publisher has lost Redis and holds a backlog
        waitUntil(30) {
            let m = (try? httpGet(port: ingestPort, path: "/metrics").body) ?? ""
            return m.contains("qflux_redis_publish_connected 0") && metric(m, "qflux_redis_publish_backlog") > 50
        }
        let during = try httpGet(port: ingestPort, path: "/metrics").body
        #expect(during.contains("qflux_redis_publish_connected 0"), "\(during)")
        #expect(metric(during, "qflux_redis_publish_backlog") > 50, "\(during)")
        let serveTicksDuring = metric(
            try httpGet(port: servePort, path: "/metrics").body, "qflux_redis_source_ticks_total")

        try redis.start()
        #expect(
            waitUntil(15) {
                let m = (try? httpGet(port: ingestPort, path: "/metrics").body) ?? ""
                return m.contains("qflux_redis_publish_connected 1") && metric(m, "qflux_redis_publish_backlog") < 50
            }, "the publisher did not reconnect and send its backlog")
        let after = try httpGet(port: ingestPort, path: "/metrics").body
        #expect(metric(after, "qflux_redis_publish_reconnects_total") >= 1)
        #expect(metric(after, "qflux_redis_publish_dropped_total") == 0)
        // The server node follows the new entries too.
        #expect(
            waitUntil(15) {
                metric((try? httpGet(port: servePort, path: "/metrics").body) ?? "", "qflux_redis_source_ticks_total")
                    > serveTicksDuring + 50
            }, "the server node did not resume")

        #expect(ingest.stop(SIGTERM, timeout: 20)?.status == 0, "\(ingest.stderr.suffix(1000))")
        let logged = try readTickLog(tickLog)
        #expect(
            waitUntil(30) { archivedCount(data) >= logged.count }, "archived \(archivedCount(data)) of \(logged.count)")
        #expect(archiver.stop(SIGTERM, timeout: 20)?.status == 0, "\(archiver.stderr.suffix(1000))")
        #expect(serve.stop(SIGTERM, timeout: 20)?.status == 0)
        #expect(archiver.stderr.contains("created again"), "\(archiver.stderr.suffix(1500))")
        try expectExactlyOnce(logged, in: data)
    }
}

/// Ticks readable in the archive now (open chunks up to their last flushed block).
func archivedCount(_ directory: String) -> Int {
    ((try? readArchivedTicks(directory))?.perAsset.values.reduce(0) { $0 + $1.count }) ?? 0
}

/// Entries in every tick stream.
func streamLengths(_ redis: RedisTestServer) throws -> Int {
    let c = try redis.connect()
    let names = try c.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements?.compactMap(\.text) ?? []
    return try names.reduce(0) { $0 + Int(try c.command(["XLEN", RedisStreamLayout.ticksKey($1)]).integer ?? 0) }
}

/// The value of an unlabelled Prometheus sample (-1 when absent).
func metric(_ text: String, _ name: String) -> Double {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.dropFirst(name.count + 1)) ?? -1
    }
    return -1
}
