import Logging
import RedisBridge
import Synchronization
import ThreadSupport

/// `qflux archive --from redis://… --to postgresql://…`: an archiver node that copies every
/// tick stream into `historical_ticks` and every candle stream into `candles` (``PostgresSchema``),
/// each entry exactly once across `kill -9` and restarts of Redis or PostgreSQL.
///
/// - Redis: one consumer group (``Configuration/group``, its own: not the file archiver's) over
///   every `qflux:ticks:<asset>` and `qflux:candles:<tf>:<asset>` stream. At start and after
///   every reconnect it takes over the group's pending entries (`XAUTOCLAIM … 0`) and reads its
///   own pending entries before new ones.
/// - Exactly once: each batch read becomes one PostgreSQL transaction holding its rows *and*
///   the last id of each of its streams (`qflux_stream_offsets`). `XACK` follows the `COMMIT`.
///   An entry at or below its stream's committed id is only acknowledged: it was committed
///   before (a `kill -9` or a lost connection between `COMMIT` and `XACK`, a redelivery after
///   `NOGROUP`). After a lost PostgreSQL connection the offsets are read again from the table,
///   so a `COMMIT` whose answer was lost is not repeated.
/// - Entries with a field that is not plain decimal text, or a time or price outside
///   `MarketLimits`, are counted, acknowledged and never written.
/// - Both servers are reconnected by themselves with backoff (0.1 s doubling to 2 s), each
///   loss logged once, with the URI's password redacted.
/// - A statement PostgreSQL refuses (permissions, a table of another shape) stops the archiver
///   with that error: nothing of the batch is acknowledged.
package final class PostgresArchiver: Sendable {
    /// The consumer group by default (`--group`): its own, so a file archiver (`--data-dir`)
    /// with the default group runs beside it and both get every entry.
    package static let defaultGroup = "qflux-archive-pg"

    /// How the archiver runs.
    package struct Configuration: Sendable {
        /// The Redis server.
        package var redis: RedisAddress
        /// The PostgreSQL connection URI (libpq's: TLS, `PG*` variables and `~/.pgpass` apply).
        package var uri: String
        /// Consumer group name.
        package var group = PostgresArchiver.defaultGroup
        /// This member's name in the group (keep it across restarts).
        package var consumer = "pg-archiver"
        /// `XREADGROUP BLOCK` milliseconds.
        package var blockMilliseconds = 200
        /// Entries read per stream and read (`COUNT`); one read is one transaction.
        package var readCount = 4096
        /// Seconds between looks for new streams.
        package var streamPoll = 1.0
        /// Seconds an entry may stay pending with another member before it is claimed.
        package var claimIdle = 30.0

        /// A configuration.
        package init(redis: RedisAddress, uri: String) {
            self.redis = redis
            self.uri = uri
        }
    }

    /// Figures (any thread).
    package struct Statistics: Sendable, Equatable {
        /// Tick rows committed by this run.
        package var ticks = 0
        /// Candle rows committed (inserted or revised) by this run.
        package var candles = 0
        /// Entries only acknowledged: committed before (redelivered).
        package var duplicatesSkipped = 0
        /// Entries refused: a field missing or not plain decimal text.
        package var malformed = 0
        /// Entries refused: a time or price outside `MarketLimits`.
        package var absurd = 0
        /// Entries acknowledged.
        package var acknowledged = 0
        /// Transactions committed.
        package var transactions = 0
        /// Redis connections opened again after a loss.
        package var redisReconnects = 0
        /// PostgreSQL connections opened again after a loss.
        package var postgresReconnects = 0
        /// Streams followed.
        package var streams = 0
    }

    let configuration: Configuration
    let logger: Logger
    let stats = Locked(Statistics())
    private let stopping = Atomic<Bool>(false)

    /// An archiver; nothing connects until ``run(shouldStop:)``.
    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Figures now.
    package var statistics: Statistics { stats.withLock { $0 } }

    /// Asks ``run(shouldStop:)`` to finish (any thread).
    package func stop() { stopping.store(true, ordering: .relaxed) }

    /// Runs until `shouldStop()` (checked at least every ``Configuration/blockMilliseconds``) or
    /// ``stop()``. Unreachable servers are retried, never a failure; throws only the first
    /// statement PostgreSQL refuses.
    package func run(shouldStop: @escaping () -> Bool = { false }) throws(PostgresError) {
        let run = PostgresArchiverRun(archiver: self) { shouldStop() || self.stopping.load(ordering: .relaxed) }
        try run.run()
    }
}
