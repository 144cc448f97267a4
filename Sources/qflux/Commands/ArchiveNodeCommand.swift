import Archive
import ArgumentParser
import Foundation
import Logging
import Postgres
import RedisBridge
import Synchronization

/// `qflux archive --from redis://… --data-dir D [--to postgresql://…]`: an archiver node fed by
/// Redis Streams, into a qflux archive, PostgreSQL (ArchiveNodeCommand+Postgres.swift), or both.
struct ArchiveNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive the ticks other qflux processes publish to Redis, each exactly once (an archiver node).",
        discussion: """
            Reads every tick stream qflux:ticks:<asset> (written by qflux stream/replay --publish) \
            through a Redis consumer group and writes the ticks to a qflux archive in --data-dir \
            (read it with qflux export, ls, verify). Entries are acknowledged (XACK) only after the \
            ticks are on disk (written and fsynced); entries whose time or price is not a plain \
            decimal, or is outside qflux's market limits, are counted, acknowledged and never \
            written. A write error (disk full) stops the archiver with exit status 1 and nothing \
            unwritten acknowledged. The last archived id per stream is kept in \
            <data-dir>/.qflux-redis-checkpoint, so a restart after kill -9 or a power cut archives \
            every tick exactly once. Run one archiver per group and data directory; keep --consumer \
            the same across restarts (pending entries of other members are claimed anyway). A Redis \
            that restarted and forgot the group (NOGROUP) is handled: the group is created again. \
            The payout lists of qflux:payouts are archived the same way, as payout records (each \
            asset's changes; qflux export --kind payouts); they are not written to PostgreSQL.

            Ctrl-C (SIGINT), SIGTERM or SIGHUP makes everything durable, acknowledges it, closes the chunks \
            and exits 0. See docs/redis.md.

            With --to postgresql://URI (alone or beside --data-dir) the ticks go into the table \
            historical_ticks and closed candles into candles, each entry exactly once: the rows and \
            the last stream id commit in one transaction (table qflux_stream_offsets), XACK follows. \
            That archiver has its own consumer group (--postgres-group). The URI is libpq's: \
            sslmode and the other TLS parameters pass through, the password comes from the URI, \
            PGPASSWORD or ~/.pgpass; messages never show it. See docs/postgres.md.
            """
    )

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp("The Redis server qflux publishes to.", valueName: "redis://HOST:PORT[/DB]"))
    var from: String

    @Option(name: .customLong("data-dir"), help: "Where to write the archive (created when missing).")
    var dataDir: String?

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp(
            "Also (or instead) write ticks and candles to PostgreSQL (docs/postgres.md).",
            valueName: "postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DB[?sslmode=…]"))
    var to: String?

    @Option(name: .customLong("postgres-group"), help: "Consumer group of the PostgreSQL archiver (with --to).")
    var postgresGroup: String = PostgresArchiver.defaultGroup

    @Option(help: "Consumer group name.")
    var group: String = RedisStreamLayout.defaultGroup

    @Option(help: "This archiver's name in the group (keep it across restarts; default: archiver-<host name>).")
    var consumer: String?

    @Option(name: .customLong("tick-chunk-size"), help: "Ticks per archive chunk.")
    var tickChunkSize: Int = 1000

    @Option(name: .customLong("sync-interval"), help: "Seconds between durability points (fsync, checkpoint, XACK).")
    var syncInterval: Double = 1

    @Option(name: .customLong("claim-idle"), help: "Seconds before another member's pending entries are claimed.")
    var claimIdle: Double = 30

    func validate() throws {
        do { _ = try RedisAddress(parsing: from) } catch { throw ValidationError("--from: \(error.message)") }
        guard dataDir != nil || to != nil else { throw ValidationError("give --data-dir, --to or both") }
        guard dataDir?.isEmpty != true else { throw ValidationError("--data-dir must not be empty") }
        try validatePostgres()
        guard tickChunkSize >= 1 else { throw ValidationError("--tick-chunk-size must be at least 1") }
        guard (0.01...60).contains(syncInterval) else {
            throw ValidationError("--sync-interval must be between 0.01 and 60 seconds")
        }
        guard claimIdle >= 1 else { throw ValidationError("--claim-idle must be at least 1 second") }
        if group.isEmpty || consumer?.isEmpty == true {
            throw ValidationError("--group and --consumer must not be empty")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "qflux.archive")
        signal(SIGPIPE, SIG_IGN)
        StopSignals.install()
        guard let dataDir else { return try runPostgres(logger: logger) }
        let postgres = try to.map { _ in try startPostgres(logger: logger) }
        defer { try? postgres?.finish() }
        var config = RedisArchiver.Configuration(address: try RedisAddress(parsing: from), directory: dataDir)
        config.group = group
        config.consumer = consumer ?? "archiver-\(ProcessInfo.processInfo.hostName)"
        config.tickChunkSize = tickChunkSize
        config.syncInterval = syncInterval
        config.claimIdle = claimIdle

        let archiver: RedisArchiver
        do {
            archiver = try RedisArchiver(configuration: config, logger: logger)
        } catch {
            throw CommandFailure("cannot open the archive in \(dataDir)", error)
        }
        StandardStreams.err(
            "qflux archive: archiving ticks from \(config.address) to \(dataDir) (group \(config.group), consumer \(config.consumer)) (Ctrl-C to stop)"
        )
        do {
            try archiver.run { stopSignal.load(ordering: .relaxed) != 0 }
        } catch {
            // A write error: one line naming the file, with true counts (nothing read since the
            // last durability point was checkpointed or acknowledged: it stays pending in Redis).
            let s = archiver.statistics
            throw CommandFailure(
                "archive write error, stopped: \(ArchiveMessages.line(error)); \(s.archived) ticks archived "
                    + "(durable) and \(s.acknowledged) entries acknowledged before it; entries read after the last durability "
                    + "point stay pending in Redis for the next run")
        }
        try postgres?.finish()
        let s = archiver.statistics
        StandardStreams.err(
            "qflux archive: stopped: \(s.archived) ticks archived from \(s.streams) streams, \(s.payoutLists) payout lists archived, \(s.duplicatesSkipped) already archived and skipped, \(s.acknowledged) acknowledged, \(s.malformed) malformed and \(s.absurd) absurd entries refused, \(s.skippedStreams) streams skipped (\(s.streamErrors) error replies about one stream), \(s.groupsRecreated) group re-creations, \(s.reconnects) reconnects"
        )
    }
}
