import Archive
import Candles
import Foundation
import Indicators

/// Candles for a backtest or indicators: from an archive directory (through `qflux export`'s
/// code, as `--kind candles`) or a candle CSV file. Used by `qflux backtest` / `qflux indicators`
/// and by the server's `run_backtest` / `calculate_indicators`.
package enum AnalysisCandleLoader {
    /// What was read.
    package struct Loaded: Sendable {
        /// Candles in file order, column by column.
        package var columns: CandleColumns
        /// Candles in file order, one value each (built from ``columns`` on every call).
        package var candles: [AnalysisCandle] { columns.rows }
        /// `data (EURUSD_otc, 1m)` or the CSV path, for summaries and report titles.
        package var label: String
        /// Chunks read only up to damage (for a warning).
        package var damaged: [String] = []
        /// Archived records left out for absurd values (see ``ExportSummary/skippedAbsurd``).
        package var skippedAbsurd = 0

        /// `N records skipped: absurd values`, or nil when none was.
        package var skippedNote: String? {
            skippedAbsurd > 0 ? "\(skippedAbsurd) record\(skippedAbsurd == 1 ? "" : "s") skipped: absurd values" : nil
        }

        /// What was read, as columns.
        package init(columns: CandleColumns, label: String, damaged: [String] = [], skippedAbsurd: Int = 0) {
            self.columns = columns
            self.label = label
            self.damaged = damaged
            self.skippedAbsurd = skippedAbsurd
        }

        /// What was read, as candle values.
        package init(candles: [AnalysisCandle], label: String, damaged: [String] = [], skippedAbsurd: Int = 0) {
            self.init(columns: CandleColumns(candles), label: label, damaged: damaged, skippedAbsurd: skippedAbsurd)
        }
    }

    /// Why candles could not be loaded.
    package enum Failure: Error, Sendable {
        /// The archive could not be read (the caller words it).
        case archive(ArchiveError)
        /// Anything else, as one line.
        case message(String)
    }

    /// Reads candles from `input`, an archive directory or a CSV file. For an archive, `asset`
    /// picks one of several assets and `timeframe` the candle timeframe (stored candles of it, or
    /// formed from smaller ones or ticks). Fails when nothing is found or no candle is read.
    /// An archive's chunks are read on up to `threads` threads.
    package static func load(_ input: String, asset: String?, timeframe: Timeframe?, threads: Int = 1) throws(Failure)
        -> Loaded
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw .message("\(input): no such file or directory")
        }
        let loaded =
            isDirectory.boolValue
            ? try archive(input, asset: asset, timeframe: timeframe, threads: threads) : try csv(input)
        guard !loaded.columns.isEmpty else { throw .message("\(input): no candles") }
        return loaded
    }

    /// Reads a candle CSV file (``CandleCSVReader``: bytes, one pass, into columns).
    package static func csv(_ path: String) throws(Failure) -> Loaded {
        do {
            return Loaded(columns: try CandleCSVReader.read(path: path), label: path)
        } catch {
            throw .message(error.message)
        }
    }

    /// Reads candles from an archive directory: the candles `qflux export --kind candles` would
    /// write, taken from the records straight into columns (no text in between). An archived
    /// candle has no volume: 1000, as a CSV without one. The chunks are read on up to `threads`
    /// threads.
    package static func archive(_ directory: String, asset: String?, timeframe: Timeframe?, threads: Int = 1)
        throws(Failure) -> Loaded
    {
        var options = ExportOptions(kind: .candles, asset: asset, format: .csv, time: .epoch)
        options.timeframe = timeframe
        var columns = CandleColumns()
        let exporter = ArchiveExporter(
            directory: directory, options: options, threads: threads,
            runs: { runs in
                // Stored candles of the timeframe: filled on every thread into arrays of their size.
                let more = CandleColumns(runs: runs, threads: threads)
                if columns.isEmpty { columns = more } else { columns.append(contentsOf: more) }
            },
            count: { n in columns.reserveCapacity(columns.count + n) },
            candles: { c in
                columns.append(
                    timestamp: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close, volume: 1000)
            })
        let summary: ExportSummary
        do {
            summary = try exporter.run()
        } catch {
            if timeframe == nil, error.detail == "no candle chunks" {
                throw .message("\(directory): no stored candles: pick a --timeframe to form candles from its ticks")
            }
            throw .archive(error)
        }
        if summary.assets.count > 1 {
            throw .message(
                "\(directory) holds several assets (\(summary.assets.joined(separator: ", "))): choose one with --asset"
            )
        }
        let asset = summary.assets.first ?? asset ?? "?"
        let tf = timeframe?.description ?? timeframeName(columns.timestamps)
        return Loaded(
            columns: columns, label: "\(directory) (\(asset), \(tf))", damaged: summary.damaged,
            skippedAbsurd: summary.skippedAbsurd)
    }

    /// The spacing of the first two candles as a timeframe name (for labels only).
    private static func timeframeName(_ timestamps: [Double]) -> String {
        guard timestamps.count > 1 else { return "1 candle" }
        // Checked: Int(x) of a NaN or huge Double traps.
        guard let s = Int(exactly: (timestamps[1] - timestamps[0]).rounded()), s > 0, s <= 31_536_000
        else { return "?" }
        return Timeframe(seconds: s).description
    }
}
