import Archive
import FastDecode
import Foundation
import Logging
import Postgres
import RedisBridge
import Synchronization

/// PostgreSQL: `qflux export --to` (COPY from an archive) against `psql \copy` of the same rows
/// from a CSV file, into the same table of a PostgreSQL 15 the stage starts (fsync on), in the
/// same run; and the archiver node's lag behind 20 k ticks/s published to a local redis-server.
struct PostgresStage: BenchStage {
    let name = "postgres"
    let summary = "bulk load rows/s vs psql \\copy of the same rows (CSV), archiver lag at 20 k ticks/s"

    func run(_ context: BenchContext) throws -> [Figure] {
        guard LocalPostgresCluster.binDirectory != nil,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/psql")
        else {
            return [
                Figure(
                    stage: name, name: "bulk load", value: .nan, unit: "",
                    note: "PostgreSQL not installed (apt-get install -y postgresql)")
            ]
        }
        let cluster = try LocalPostgresCluster()
        defer { cluster.stop() }
        try cluster.createDatabase("bench")
        let uri = cluster.uri(database: "bench")
        var figures = try bulkLoad(context, uri: uri)
        if let redisPath = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) {
            let redis = try BenchRedisServer(
                path: redisPath, directory: try context.temporaryDirectory(named: "pg-redis"))
            defer { redis.stop() }
            figures += try archiverLag(context, uri: uri, redis: redis)
        } else {
            figures.append(
                Figure(stage: name, name: "archiver lag", value: .nan, unit: "", note: "redis-server not installed"))
        }
        return figures
    }

    // MARK: - Bulk load

    private func bulkLoad(_ context: BenchContext, uri: String) throws -> [Figure] {
        let count = context.quick ? 500_000 : 2_000_000
        let directory = try context.temporaryDirectory(named: "pg-archive").path
        let assets = AssetDirectory()
        let ids = (0..<8).map { assets.register("BENCH\($0)_otc") }
        let writer = try ArchiveWriter(
            configuration: .init(directory: directory, collect: .tick, tickChunkSize: 10_000), assets: assets,
            logger: Logger(label: "bench"))
        // The same rows as CSV for psql (pair, price, timestamp in ms).
        var csv: [UInt8] = []
        csv.reserveCapacity(count * 32)
        var time = 1_756_866_774.962
        for i in 0..<count {
            time += 0.000_5
            let price = Double(100_000 + (i * 7919) % 20_000) / 100_000
            let tick = Tick(asset: ids[i & 7], time: time, price: price)
            try writer.append(tick)
            csv += Array("\(assets.name(of: tick.asset)),\(price),\(PostgresSchema.milliseconds(time))\n".utf8)
        }
        try writer.close()
        let csvPath = try context.temporaryFile(named: "ticks.csv", contents: csv)
        let connection = try PostgresConnection(uri: uri)
        try PostgresSchema.ensure(connection)
        func reset() throws { try connection.execute("TRUNCATE historical_ticks, qflux_loaded_chunks") }
        func rows() throws -> Int {
            Int(try connection.query("SELECT count(*) FROM historical_ticks")[0][0] ?? "") ?? -1
        }

        var psqlRates: [Double] = []
        var qfluxRates: [Double] = []
        for run in 0..<(context.quick ? 2 : 4) {
            // psql \copy: the server's own CSV ingest, the client reading a file.
            try reset()
            try connection.execute("CHECKPOINT")
            let p0 = now()
            try Self.psql(
                uri: uri,
                command: "\\copy historical_ticks (pair, price, timestamp) FROM '\(csvPath)' WITH (FORMAT csv)")
            let psqlSeconds = now() - p0
            guard try rows() == count else { throw BenchError("postgres: psql loaded \(try rows()) of \(count) rows") }
            // qflux: reads the archive's chunks, COPY in text format.
            try reset()
            try connection.execute("CHECKPOINT")
            let q0 = now()
            let loader = PostgresBulkLoader(directory: directory, connection: connection, options: .init())
            let summary: PostgresLoadSummary
            do { summary = try loader.run() } catch { throw BenchError("postgres: load failed: \(error)") }
            let qfluxSeconds = now() - q0
            guard summary.rows == count, try rows() == count else {
                throw BenchError("postgres: qflux loaded \(summary.rows) of \(count) rows")
            }
            if run > 0 || context.quick {
                psqlRates.append(Double(count) / psqlSeconds)
                qfluxRates.append(Double(count) / qfluxSeconds)
            }
        }
        let psql = psqlRates.sorted()[psqlRates.count / 2]
        let qflux = qfluxRates.sorted()[qfluxRates.count / 2]
        func spread(_ r: [Double], _ m: Double) -> Double? { r.count > 1 ? (r.max()! - r.min()!) / m * 100 : nil }
        return [
            Figure(
                stage: name, name: "psql \\copy FROM CSV (baseline)", value: psql, unit: "rows/s",
                spreadPercent: spread(psqlRates, psql), note: "\(count) ticks, one transaction"),
            Figure(
                stage: name, name: "qflux export --to (COPY from the archive)", value: qflux, unit: "rows/s",
                spreadPercent: spread(qfluxRates, qflux), note: "same rows, same table and server"),
            Figure(
                stage: name, name: "qflux load ÷ psql \\copy", value: qflux / psql, unit: "×", target: .atLeast(0.8)),
        ]
    }

    /// Runs `psql URI -c command` (quiet); throws with its output on failure.
    static func psql(uri: String, command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", uri, "-c", command]
        let pipe = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BenchError("psql failed: \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
    }

    // MARK: - Archiver lag

    private func archiverLag(_ context: BenchContext, uri: String, redis: BenchRedisServer) throws -> [Figure] {
        let rate = 20_000
        let seconds = context.quick ? 5.0 : 15.0
        let connection = try PostgresConnection(uri: uri)
        try connection.execute("TRUNCATE historical_ticks, qflux_stream_offsets")
        try redis.command(["FLUSHALL"])
        let assets = AssetDirectory()
        let ids = (0..<8).map { assets.register("LAG\($0)_otc") }
        let publisher = RedisPublisher(
            configuration: RedisPublisherConfiguration(address: redis.address), assets: assets, waitWhenFull: true,
            logger: Logger(label: "bench"))
        publisher.start()
        // Announce the streams before timing starts.
        for id in ids { publisher.append(.tick(Tick(asset: id, time: 1_700_000_000, price: 1))) }
        publisher.endBatch()
        var config = PostgresArchiver.Configuration(redis: redis.address, uri: uri)
        config.streamPoll = 0.1
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let archiver = PostgresArchiver(configuration: config, logger: logger)
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            do throws(PostgresError) { try archiver.run() } catch { failure.withLock { $0 = error.message } }
            done.signal()
        }.start()
        let ready = now() + 20
        while archiver.statistics.ticks < ids.count, now() < ready { usleep(10_000) }
        guard archiver.statistics.ticks >= ids.count else {
            archiver.stop()
            done.wait()
            publisher.finish()
            throw BenchError("postgres: the archiver did not start: \(failure.withLock { $0 } ?? "no commits")")
        }
        let base = archiver.statistics.ticks
        // Publish in 5 ms batches of 100; record when each batch was published.
        let total = Int(Double(rate) * seconds)
        let batch = rate / 200
        var published: [(count: Int, time: Double)] = []
        published.reserveCapacity(total / batch + 1)
        var lags: [Double] = []
        let start = now()
        var sent = 0
        var time = 1_700_000_100.0
        while sent < total {
            let due = start + Double(sent) / Double(rate)
            while now() < due { usleep(200) }
            for _ in 0..<batch {
                time += 0.000_05
                publisher.append(
                    .tick(Tick(asset: ids[sent & 7], time: time, price: 1.08 + Double(sent % 1000) * 1e-5)))
                sent += 1
            }
            publisher.endBatch()
            published.append((sent, now()))
            lags.append(lag(archiver.statistics.ticks - base, published))
        }
        let publishSeconds = now() - start
        let drainDeadline = now() + 30
        while archiver.statistics.ticks - base < total, now() < drainDeadline {
            lags.append(lag(archiver.statistics.ticks - base, published))
            usleep(5_000)
        }
        let committed = archiver.statistics.ticks - base
        let transactions = archiver.statistics.transactions
        archiver.stop()
        done.wait()
        publisher.finish()
        guard committed == total else { throw BenchError("postgres: archiver committed \(committed) of \(total)") }
        let sorted = lags.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * 0.99))]
        return [
            Figure(
                stage: name, name: "archiver at 20 k ticks/s published: lag p50", value: sorted[sorted.count / 2],
                unit: "s",
                note: "\(total) ticks over \(formatNumber(publishSeconds)) s, 8 streams, \(transactions) transactions"),
            Figure(
                stage: name, name: "archiver at 20 k ticks/s published: lag max", value: sorted.last!, unit: "s",
                target: .atMost(1),
                note: "p99 \(formatNumber(p99)) s; lag: now − publish time of the oldest tick not yet committed"),
        ]
    }

    /// Seconds since the oldest published tick not yet committed was published (0 when all are).
    private func lag(_ committed: Int, _ published: [(count: Int, time: Double)]) -> Double {
        // The first batch holding a tick beyond `committed`.
        var lo = 0
        var hi = published.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if published[mid].count > committed { hi = mid } else { lo = mid + 1 }
        }
        return lo < published.count ? now() - published[lo].time : 0
    }
}
