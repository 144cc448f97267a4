import Archive
import ArgumentParser
import Candles
import FastDecode

#if canImport(Glibc)
import Glibc
import TextWriters
#endif

/// `qflux export` (alias `decompress`): archive chunks → CSV or JSON lines.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export archived ticks or candles as CSV or JSON lines.",
        discussion: """
            Reads the LZ4 chunks under DIR (written by `qflux stream` / `qflux replay` with \
            --collect-stream) and writes one row per record, asset by asset, oldest first.

            CSV columns are the original tool's: ticks `timestamp,asset,price`; candles \
            `timestamp,open,close,high,low`, with an `asset` column after `timestamp` when several \
            assets are exported. Timestamps are UTC `2025-09-03 00:33:50.962Z` (fractional seconds \
            only when the tick has them), or epoch seconds with --time epoch. JSON lines use the field \
            names of `qflux decode`: {"type":"tick","asset":…,"time":…,"price":…} and \
            {"type":"candle","asset":…,"timeframe":60,"time":<start>,"open":…,"high":…,"low":…,"close":…,"ticks":N}; \
            their times are always epoch seconds. Prices are written exactly as archived.

            A candle archived several times (revised) is exported once, as its last record. Chunks \
            cut short by a crash are read up to their last complete block; a note on standard error \
            lists them, and damaged chunks.

            With --to postgresql://URI the records are loaded into PostgreSQL instead (COPY): ticks \
            into historical_ticks, candles (stored ones; --kind candles) into candles. A rerun adds \
            nothing (loaded chunks are kept in qflux_loaded_chunks). Only --asset, --kind and --quiet \
            apply there. See docs/postgres.md.
            """,
        aliases: ["decompress"]
    )

    @Argument(help: "The data directory (the --data-dir of stream/replay).")
    var directory: String

    @Option(
        help:
            "What to export: ticks, candles, payouts or signals (default: candles with --timeframe, else ticks when there are any). Payouts: timestamp,asset,payout,percent (JSON lines {\"type\":\"payout\",asset,time,payout,percent}); payout is the fraction a win earns. Signals: the signal journal, --format jsonl only."
    )
    var kind: KindArgument?

    @Option(help: "Only this asset; case and punctuation are ignored (EURUSD_OTC, eur/usd otc).")
    var asset: String?

    @Option(
        help:
            "Candle timeframe (5s, 1m, 4h, 1d or seconds): stored candles of it, or resampled from smaller candles or ticks."
    )
    var timeframe: String?

    @Option(help: "Start (inclusive): epoch seconds or ISO-8601 UTC (2025-09-03, 2025-09-03T00:33:50Z).")
    var from: String?

    @Option(
        help:
            "End (exclusive): epoch seconds or ISO-8601 UTC. Or a postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DB[?sslmode=…] URI: load into PostgreSQL instead (COPY; idempotent; docs/postgres.md)."
    )
    var to: String?

    @Option(help: "Output format: csv or jsonl.")
    var format: ExportOptions.Format = .csv

    @Option(help: "CSV timestamps: iso (UTC, 2025-09-03 00:33:50Z) or epoch (seconds).")
    var time: ExportOptions.TimeStyle = .iso

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Flag(name: .shortAndLong, help: "No summary or notes on standard error.")
    var quiet = false

    /// Permissions of a new --output file (rw-r--r--, less the umask).
    static let outputMode: mode_t = 0o644

    func validate() throws {
        try validatePostgres()
        _ = try parsedOptions()
    }

    /// The export options; a `ValidationError` (usage error) for a bad --timeframe, --from or --to.
    private func parsedOptions() throws -> ExportOptions {
        var options = ExportOptions(kind: kind?.value, asset: asset, format: format, time: time)
        if let timeframe {
            guard let tf = Timeframe(parsing: timeframe) else {
                throw ValidationError("--timeframe: '\(timeframe)' is not a timeframe (5s, 1m, 4h, 1d or seconds)")
            }
            options.timeframe = tf
        }
        if let from {
            guard let t = UTCTime.parse(from) else {
                throw ValidationError("--from: '\(from)' is neither epoch seconds nor ISO-8601")
            }
            options.from = t
        }
        if let to, !Self.isPostgresURI(to) {
            guard let t = UTCTime.parse(to) else {
                throw ValidationError("--to: '\(Self.redacted(to))' is neither epoch seconds nor ISO-8601")
            }
            options.to = t
        }
        return options
    }

    func run() throws {
        if let to, Self.isPostgresURI(to) { return try loadIntoPostgres(to) }
        let options = try parsedOptions()
        if kind == .payouts { return try exportPayouts(options) }
        if kind == .signals { return try exportSignals(options) }
        var fd: Int32 = 1
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, Self.outputMode)
            if fd < 0 { throw CommandFailure("cannot write \(output): \(String(cString: strerror(errno)))") }
        }
        var closed = false
        defer { if fd != 1, !closed { close(fd) } }
        /// The errno of the first failed write to --output (standard output is watched by `qflux main`).
        var writeErrno: Int32 = 0
        var bytesOut = 0
        let started = monotonicSeconds()
        var progress = ArchiveProgress(label: "export", enabled: !quiet && StandardStreams.stderrIsTerminal)
        let exporter = ArchiveExporter(
            directory: directory, options: options,
            sink: { bytes in
                bytesOut += bytes.count
                let written = StandardStreams.write(bytes, to: fd)
                if !written, fd != 1, writeErrno == 0 { writeErrno = errno }
                return written
            }, progress: { done, total in progress.update(done, total) })
        let summary: ExportSummary
        do {
            summary = try exporter.run()
        } catch {
            progress.finish()
            throw CommandFailure(nil, error)
        }
        progress.finish()
        if let output, fd != 1 {
            closed = true
            if close(fd) != 0, writeErrno == 0 { writeErrno = errno }
            if writeErrno != 0 {
                throw CommandFailure("cannot write \(output): \(String(cString: strerror(writeErrno)))")
            }
        }
        if !quiet {
            let seconds = monotonicSeconds() - started
            for path in summary.truncated {
                StandardStreams.err(
                    "note: \(path) ends early (crash or still being written): read up to its last complete block")
            }
            for path in summary.damaged {
                StandardStreams.err("warning: \(path) is damaged: read up to the damage (run qflux verify)")
            }
            if summary.skippedAbsurd > 0 {
                StandardStreams.err(
                    "warning: \(summary.skippedAbsurd) record\(summary.skippedAbsurd == 1 ? "" : "s") skipped: absurd values"
                )
            }
            let mb = Double(bytesOut) / 1e6
            let damaged = summary.damaged.isEmpty ? "" : ", \(summary.damaged.count) damaged"
            StandardStreams.err(
                "qflux export: \(summary.rows) rows from \(summary.chunks) chunks (\(summary.assets.count) assets\(damaged)), \(DecodeSummary.format(mb)) MB in \(DecodeSummary.format(seconds * 1000)) ms (\(DecodeSummary.format(seconds > 0 ? mb / seconds : 0)) MB/s)"
            )
        }
    }
}

/// `--kind ticks|candles|payouts`.
enum KindArgument: String, ExpressibleByArgument, CaseIterable {
    case ticks, candles, payouts, signals
    var value: ArchiveKind {
        switch self {
        case .ticks: .ticks
        case .candles: .candles
        case .payouts: .payouts
        case .signals: .signals
        }
    }
}

extension ExportOptions.Format: ExpressibleByArgument {}
extension ExportOptions.TimeStyle: ExpressibleByArgument {}
