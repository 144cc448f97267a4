import Foundation
import RedisBridge
import Testing

@testable import Postgres

/// The done-when of the PostgreSQL archiver: real redis-server, real PostgreSQL, an ingest node
/// (`qflux stream --demo --publish`) and an archiver node (`qflux archive --from … --to
/// postgresql://…`). The archiver is killed with -9 and restarted, PostgreSQL is stopped
/// (`-m immediate`: like a crash) and started again mid-run: every published tick is in
/// `historical_ticks` exactly once.
@Suite(
    "PostgreSQL archiver process: kill -9, PostgreSQL restart, every tick once", .serialized,
    .enabled(if: Dependency.redisServer, Dependency.needsRedis),
    .enabled(if: Dependency.postgres, Dependency.needsPostgres))
struct PostgresArchiverProcessTests {
    /// `pair|ms|price` of every row, sorted.
    static func storedTicks(_ pg: PostgresTestServer) throws -> [String] {
        try pg.connect().query("SELECT pair, timestamp, price FROM historical_ticks").map {
            "\($0[0]!)|\($0[1]!)|\(Double($0[2]!)!)"
        }.sorted()
    }

    @Test(
        "ingest → Redis → PostgreSQL: kill -9 of the archiver, PostgreSQL restarted mid-run; every tick once, candles stored"
    )
    func killAndRestart() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let pg = try PostgresTestServer()
        let dir = TempDir()
        let tickLog = dir.path + "/ticks.jsonl"
        let archiveArgs = ["archive", "--from", redis.url, "--to", pg.uri(), "--consumer", "test"]
        let ticksNow = { pg.integer("SELECT count(*) FROM historical_ticks") }

        let ingest = try QfluxChild(
            qflux,
            [
                "stream", "--demo", "--demo-rate", "40", "--demo-assets", "3", "--demo-seed", "7",
                "--demo-tick-log", tickLog, "--port", "0", "--timeframes", "5s", "--publish", redis.url,
            ])
        _ = try #require(ingest.port(), "ingest did not start: \(ingest.stderr)")
        var archiver = try QfluxChild(qflux, archiveArgs)
        #expect(archiver.waitFor("connected to PostgreSQL", timeout: 20), "\(archiver.stderr)")
        #expect(waitUntil(30) { ticksNow() >= 100 }, "committed \(ticksNow()) before the kill")
        #expect(archiver.stop(SIGKILL, timeout: 10) != nil)
        let atKill = lineCount(tickLog)
        #expect(waitUntil(20) { lineCount(tickLog) >= atKill + 40 }, "the ingest did not go on")
        archiver = try QfluxChild(qflux, archiveArgs)
        let before = ticksNow()
        #expect(waitUntil(30) { ticksNow() > before + 40 }, "the restarted archiver did not catch up")

        // PostgreSQL goes away like a crash and comes back on the same port.
        pg.cluster.stop(mode: "immediate")
        let atStop = lineCount(tickLog)
        #expect(waitUntil(20) { lineCount(tickLog) >= atStop + 60 }, "the ingest did not go on")
        #expect(
            waitUntil(20) {
                archiver.stderr.contains("lost its PostgreSQL connection")
                    || archiver.stderr.contains("cannot reach PostgreSQL")
            }, "\(archiver.stderr.suffix(1500))")
        try pg.cluster.start()
        let afterRestart = ticksNow()
        #expect(
            waitUntil(30) { ticksNow() > afterRestart + 40 },
            "no commits after the restart: \(archiver.stderr.suffix(1500))")

        #expect(ingest.stop(SIGTERM, timeout: 20)?.status == 0, "\(ingest.stderr.suffix(1000))")
        let logged = try readTickLog(tickLog)
        #expect(
            waitUntil(30) { ticksNow() >= logged.count }, "committed \(ticksNow()) of \(logged.count)")
        let exit = archiver.stop(SIGTERM, timeout: 20)
        #expect(exit?.status == 0, "\(archiver.stderr.suffix(1000))")
        let stderr = archiver.stderr
        #expect(
            stderr.contains("qflux archive: stopped:") && stderr.contains("1 PostgreSQL reconnects"),
            "\(stderr.suffix(1500))")
        #expect(!stderr.contains(pg.cluster.password), "the password leaked: \(stderr.suffix(1500))")

        let expected = logged.map { "\($0.asset)|\(Int64(($0.time * 1000).rounded()))|\($0.price)" }.sorted()
        let stored = try Self.storedTicks(pg)
        #expect(stored.count == expected.count, "\(stored.count) rows for \(expected.count) published ticks")
        #expect(stored == expected, "rows differ from the published ticks")
        // Closed candles reached their table, one row per (pair, timeframe, start).
        #expect(pg.integer("SELECT count(*) FROM candles WHERE timeframe = 5") > 0)
        #expect(
            pg.integer(
                "SELECT count(*) FROM (SELECT 1 FROM candles GROUP BY pair, timeframe, timestamp HAVING count(*) > 1) d"
            )
                == 0)
        // The offsets table holds each tick stream's last id.
        #expect(pg.integer("SELECT count(*) FROM qflux_stream_offsets WHERE stream LIKE 'qflux:ticks:%'") == 3)
    }

    @Test(
        "--data-dir and --to together: both get every tick; candle revisions keep the last; malformed and absurd entries never stored; a Redis restart loses nothing"
    )
    func bothTargetsAndRedisRestart() throws {
        guard let qflux = builtQflux() else { return }
        let redis = try RedisTestServer()
        let pg = try PostgresTestServer()
        let dir = TempDir()
        let data = dir.path + "/data"
        let c = try redis.connect()
        let key = RedisStreamLayout.ticksKey("EURUSD_otc")
        let candleKey = "qflux:candles:1m:EURUSD_otc"
        try c.command(["SADD", RedisStreamLayout.assetsKey, "EURUSD_otc"])
        try publishEntries(
            c, key, (0..<60).map { tickFields(1_700_000_000 + Double($0) * 0.25, 1.08 + Double($0) * 1e-5) })
        try publishEntries(c, key, [["time", "0x1p30", "price", "1.1"], tickFields(1e308, 1.1), ["price", "1.2"]])
        let candle = { (close: Double) in
            [
                "time", "1700000040", "open", "1.1", "high", "1.2", "low", "1.0", "close", close.description, "volume",
                "7",
            ]
        }
        try publishEntries(c, candleKey, [candle(1.15), candle(1.17)])
        let archiver = try QfluxChild(
            qflux,
            [
                "archive", "--from", redis.url, "--data-dir", data, "--to", pg.uri(), "--consumer", "both",
                "--sync-interval", "0.05",
            ])
        let ticksNow = { pg.integer("SELECT count(*) FROM historical_ticks") }
        #expect(
            waitUntil(30) { ticksNow() == 60 && archivedCount(data) == 60 },
            "PostgreSQL \(ticksNow()), archive \(archivedCount(data)): \(archiver.stderr.suffix(1500))")
        #expect(waitUntil(10) { pg.integer("SELECT count(*) FROM candles") == 1 })
        let close = try pg.connect().query(
            "SELECT close, volume FROM candles WHERE pair = 'EURUSD_otc' AND timeframe = 60")
        #expect(close.first?[0].flatMap(Double.init) == 1.17 && close.first?[1] == "7", "\(close)")

        // Redis restarts without persistence: streams and groups are gone; new ticks follow.
        redis.stop()
        try redis.start()
        let c2 = try redis.connect()
        try c2.command(["SADD", RedisStreamLayout.assetsKey, "EURUSD_otc"])
        try publishEntries(
            c2, key, (60..<100).map { tickFields(1_700_000_000 + Double($0) * 0.25, 1.08 + Double($0) * 1e-5) })
        #expect(
            waitUntil(30) { ticksNow() == 100 && archivedCount(data) == 100 },
            "PostgreSQL \(ticksNow()), archive \(archivedCount(data)): \(archiver.stderr.suffix(1500))")
        let exit = archiver.stop(SIGTERM, timeout: 20)
        #expect(exit?.status == 0, "\(archiver.stderr.suffix(1500))")
        let stderr = archiver.stderr
        #expect(stderr.contains("PostgreSQL archiver stopped: 100 ticks and "), "\(stderr.suffix(1500))")
        #expect(stderr.contains("2 malformed and 1 absurd"), "\(stderr.suffix(1500))")
        #expect(stderr.contains("stopped: 100 ticks archived"), "\(stderr.suffix(1500))")
        #expect(ticksNow() == 100)
        let distinct = pg.integer("SELECT count(DISTINCT timestamp) FROM historical_ticks")
        #expect(distinct == 100, "ticks 250 ms apart are 100 distinct millisecond timestamps")
    }
}
