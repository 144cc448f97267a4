import Candles
import Foundation
import Logging
import RedisBridge
import ThreadSupport

/// The state of one ``PostgresArchiver/run(shouldStop:)``: the two connections, the streams,
/// the committed offsets (owned by the thread that runs it; not shared).
final class PostgresArchiverRun {
    /// What a followed stream holds.
    enum StreamKind {
        case ticks(asset: String, pair: [UInt8])
        case candles(asset: String, timeframe: Timeframe)
    }

    let archiver: PostgresArchiver
    let shouldStop: () -> Bool
    var configuration: PostgresArchiver.Configuration { archiver.configuration }
    var logger: Logger { archiver.logger }

    var redis: RedisConnection?
    var postgres: PostgresConnection?
    /// Followed streams, in XREADGROUP order.
    var keys: [String] = []
    var kinds: [String: StreamKind] = [:]
    /// Streams not followed (a name too long for `pair`, a key Redis refuses) until the time given.
    var ignoredUntil: [String: Double] = [:]
    /// The last id committed in PostgreSQL per stream (`qflux_stream_offsets`).
    var offsets: [String: StreamID] = [:]
    /// Set after a (re)connect or a failed batch: this member's pending entries are read again.
    var needsPendingRead = true
    var nextStreamLook = 0.0
    var nextClaim = 0.0
    var local = PostgresArchiver.Statistics()
    var rows = CopyRows()
    private var everConnectedRedis = false
    private var everConnectedPostgres = false
    private var lastRedisReport: String?
    private var lastPostgresReport: String?
    private var redisBackoff = Backoff()
    private var postgresBackoff = Backoff()

    init(archiver: PostgresArchiver, shouldStop: @escaping () -> Bool) {
        self.archiver = archiver
        self.shouldStop = shouldStop
    }

    func run() throws(PostgresError) {
        while !shouldStop() {
            if postgres == nil, !connectPostgres() { pause(&postgresBackoff); continue }
            if redis == nil, !connectRedis() { pause(&redisBackoff); continue }
            do throws(ArchiverStepError) {
                if needsPendingRead {
                    try takeOver()
                    needsPendingRead = false
                }
                try step()
                redisBackoff.reset()
                lastRedisReport = nil
            } catch {
                try handle(error)
            }
            publish()
        }
        publish()
    }

    /// A failed step: which server, and whether to reconnect.
    enum ArchiverStepError: Error {
        case redis(RedisError)
        case postgres(PostgresError)
    }

    private func handle(_ error: ArchiverStepError) throws(PostgresError) {
        needsPendingRead = true
        switch error {
        case let .postgres(e):
            guard e.needsReconnect else { throw e }
            if e.message != lastPostgresReport {
                lastPostgresReport = e.message
                logger.warning(
                    "archiver lost its PostgreSQL connection; reconnecting", metadata: ["error": "\(e.message)"])
            }
            postgres = nil
        case let .redis(e):
            if e.isNoGroup {
                logger.warning(
                    "NOGROUP: a consumer group is gone (Redis restarted?); creating it again",
                    metadata: ["error": "\(e.message)"])
                return
            }
            if e.message != lastRedisReport {
                lastRedisReport = e.message
                let what =
                    e.needsReconnect
                    ? "lost its Redis connection; reconnecting" : "Redis answered with an error; retrying"
                logger.warning("archiver \(what)", metadata: ["error": "\(e.message)"])
            }
            if e.needsReconnect { redis = nil } else { pause(&redisBackoff) }
        }
    }

    private func pause(_ backoff: inout Backoff) {
        let end = monotonicNow() + backoff.delay()
        while !shouldStop(), monotonicNow() < end { usleep(20_000) }
    }

    private func connectPostgres() -> Bool {
        do throws(PostgresError) {
            let c = try PostgresConnection(uri: configuration.uri)
            try PostgresSchema.ensure(c)
            let rows = try c.query(
                "SELECT stream, last_id FROM qflux_stream_offsets WHERE consumer_group = $1", [configuration.group])
            offsets = [:]
            for row in rows {
                if let key = row[0], let text = row[1], let id = StreamID(text) { offsets[key] = id }
            }
            postgres = c
            if everConnectedPostgres { local.postgresReconnects += 1 }
            everConnectedPostgres = true
            lastPostgresReport = nil
            postgresBackoff.reset()
            needsPendingRead = true
            logger.info("archiver connected to PostgreSQL", metadata: ["uri": "\(c.redactedURI)"])
            return true
        } catch {
            if error.message != lastPostgresReport {
                lastPostgresReport = error.message
                logger.warning("archiver cannot reach PostgreSQL; retrying", metadata: ["error": "\(error.message)"])
            }
            return false
        }
    }

    private func connectRedis() -> Bool {
        do throws(RedisError) {
            redis = try RedisConnection(
                address: configuration.redis, connectTimeout: 1,
                ioTimeout: Double(configuration.blockMilliseconds) / 1000 + 5)
        } catch {
            if error.message != lastRedisReport {
                lastRedisReport = error.message
                logger.warning("archiver cannot reach Redis; retrying", metadata: ["error": "\(error.message)"])
            }
            return false
        }
        if everConnectedRedis { local.redisReconnects += 1 }
        everConnectedRedis = true
        needsPendingRead = true
        nextStreamLook = 0
        logger.info(
            "archiver connected to Redis",
            metadata: [
                "address": "\(configuration.redis)", "group": "\(configuration.group)",
                "consumer": "\(configuration.consumer)",
            ])
        return true
    }

    func publish() {
        local.streams = keys.count
        let s = local
        archiver.stats.withLock { $0 = s }
    }
}
