import ArgumentParser
import Foundation
import Logging
import Postgres
import RedisBridge
import Synchronization
import ThreadSupport

/// `qflux archive --to postgresql://…`: the PostgreSQL archiver, alone (on this thread) or beside
/// the file archiver (on its own thread).
extension ArchiveNodeCommand {
    func validatePostgres() throws {
        guard let to else { return }
        guard to.hasPrefix("postgresql://") || to.hasPrefix("postgres://") else {
            throw ValidationError("--to: '\(PostgresURI.redact(to))' is not a postgresql:// URI")
        }
        guard !postgresGroup.isEmpty else { throw ValidationError("--postgres-group must not be empty") }
    }

    func postgresConfiguration() throws -> PostgresArchiver.Configuration {
        // libpq is loaded on first use: without it the archiver would retry connecting forever.
        do { try PostgresLibrary.load() } catch { throw CommandFailure(error.message) }
        var config = PostgresArchiver.Configuration(redis: try RedisAddress(parsing: from), uri: to ?? "")
        config.group = postgresGroup
        config.consumer = consumer.map { "\($0)-pg" } ?? "pg-archiver-\(ProcessInfo.processInfo.hostName)"
        config.claimIdle = claimIdle
        return config
    }

    /// `--to` without `--data-dir`: runs the PostgreSQL archiver on this thread until a stop signal.
    func runPostgres(logger: Logger) throws {
        let config = try postgresConfiguration()
        let archiver = PostgresArchiver(configuration: config, logger: logger)
        StandardStreams.err(
            "qflux archive: archiving ticks and candles from \(config.redis) to \(PostgresURI.redact(config.uri)) (group \(config.group), consumer \(config.consumer)) (Ctrl-C to stop)"
        )
        do {
            try archiver.run { stopSignal.load(ordering: .relaxed) != 0 }
        } catch {
            throw CommandFailure(
                "PostgreSQL refused a statement, stopped: \(error.message); nothing of the batch was acknowledged")
        }
        StandardStreams.err("qflux archive: stopped: " + Self.summary(archiver.statistics))
    }

    /// `--to` beside `--data-dir`: the PostgreSQL archiver on its own thread.
    func startPostgres(logger: Logger) throws -> PostgresArchiverThread {
        let config = try postgresConfiguration()
        StandardStreams.err(
            "qflux archive: also archiving ticks and candles to \(PostgresURI.redact(config.uri)) (group \(config.group), consumer \(config.consumer))"
        )
        return PostgresArchiverThread(PostgresArchiver(configuration: config, logger: logger))
    }

    static func summary(_ s: PostgresArchiver.Statistics) -> String {
        "\(s.ticks) ticks and \(s.candles) candles committed to PostgreSQL in \(s.transactions) transactions from \(s.streams) streams, \(s.duplicatesSkipped) already committed and skipped, \(s.acknowledged) acknowledged, \(s.malformed) malformed and \(s.absurd) absurd entries refused, \(s.redisReconnects) Redis and \(s.postgresReconnects) PostgreSQL reconnects"
    }
}

/// The PostgreSQL archiver on a thread of its own; a refused statement there stops the whole
/// node (the stop flag the signals set) and is reported by ``finish()``.
final class PostgresArchiverThread: Sendable {
    let archiver: PostgresArchiver
    private let failure = Locked<PostgresError?>(nil)
    private let finished = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(_ archiver: PostgresArchiver) {
        self.archiver = archiver
        let thread = Thread { [self] in
            do throws(PostgresError) {
                try archiver.run { stopSignal.load(ordering: .relaxed) != 0 }
            } catch {
                failure.withLock { $0 = error }
                stopSignal.store(SIGTERM, ordering: .relaxed)
            }
            done.signal()
        }
        thread.name = "qflux-pg-archiver"
        thread.start()
    }

    /// Stops the archiver and waits for it (once); throws its failure, else prints its summary.
    func finish() throws {
        guard !finished.exchange(true, ordering: .relaxed) else { return }
        archiver.stop()
        done.wait()
        if let error = failure.withLock({ $0 }) {
            throw CommandFailure(
                "PostgreSQL refused a statement, stopped: \(error.message); nothing of the batch was acknowledged")
        }
        StandardStreams.err(
            "qflux archive: PostgreSQL archiver stopped: " + ArchiveNodeCommand.summary(archiver.statistics))
    }
}
