import Archive
import ArgumentParser
import Postgres

/// `qflux export DIR --to postgresql://…`: a bulk load through COPY (``PostgresBulkLoader``).
extension ExportCommand {
    /// `--to` names a database rather than an end time.
    static func isPostgresURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// `--to` as shown in a message: a mistyped URI without its password.
    static func redacted(_ text: String) -> String { PostgresURI.redact(text) }

    func validatePostgres() throws {
        guard let to, Self.isPostgresURI(to) else { return }
        let unused = [("--timeframe", timeframe), ("--from", from), ("--output", output)].filter { $0.1 != nil }
        if let first = unused.first {
            throw ValidationError("\(first.0) does not apply to a load into PostgreSQL (--to postgresql://…)")
        }
        if let kind = kind?.value, kind != .ticks, kind != .candles {
            throw ValidationError("--kind \(kind) can't be loaded into PostgreSQL: only ticks and candles have tables")
        }
    }

    func loadIntoPostgres(_ uri: String) throws {
        let started = monotonicSeconds()
        let connection: PostgresConnection
        do { connection = try PostgresConnection(uri: uri) } catch { throw CommandFailure(error.message) }
        var progress = ArchiveProgress(label: "load", enabled: !quiet && StandardStreams.stderrIsTerminal)
        let loader = PostgresBulkLoader(
            directory: directory, connection: connection, options: .init(asset: asset, kind: kind?.value),
            progress: { done, total in progress.update(done, total) })
        let summary: PostgresLoadSummary
        do {
            summary = try loader.run()
        } catch {
            progress.finish()
            switch error {
            case let .archive(e): throw CommandFailure(nil, e)
            case let .postgres(e): throw CommandFailure("load into \(connection.redactedURI) failed: \(e.message)")
            }
        }
        progress.finish()
        guard !quiet else { return }
        for path in summary.truncated {
            StandardStreams.err(
                "note: \(path) ends early (crash or still being written): loaded up to its last complete block")
        }
        for path in summary.damaged {
            StandardStreams.err("warning: \(path) is damaged: loaded up to the damage (run qflux verify)")
        }
        if summary.skippedAbsurd > 0 {
            StandardStreams.err("warning: \(summary.skippedAbsurd) records skipped: absurd values")
        }
        let seconds = monotonicSeconds() - started
        let table = kind?.value == .candles ? "candles" : "historical_ticks"
        StandardStreams.err(
            "qflux export: \(summary.rows) rows loaded into \(table) at \(connection.redactedURI) from \(summary.chunksLoaded) chunks (\(summary.assets.count) assets; \(summary.chunksAlreadyLoaded) chunks loaded before, skipped) in \(summary.transactions) transactions, \(DecodeSummary.format(seconds * 1000)) ms (\(Int(seconds > 0 ? Double(summary.rows) / seconds : 0)) rows/s)"
        )
    }
}
