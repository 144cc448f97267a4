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
        /// Candles in file order.
        package var candles: [AnalysisCandle]
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
    package static func load(_ input: String, asset: String?, timeframe: Timeframe?) throws(Failure) -> Loaded {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw .message("\(input): no such file or directory")
        }
        let loaded = isDirectory.boolValue ? try archive(input, asset: asset, timeframe: timeframe) : try csv(input)
        guard !loaded.candles.isEmpty else { throw .message("\(input): no candles") }
        return loaded
    }

    /// Reads a candle CSV file.
    package static func csv(_ path: String) throws(Failure) -> Loaded {
        do {
            return Loaded(candles: try CandleCSV.load(path: path), label: path)
        } catch {
            throw .message(error.message)
        }
    }

    /// Reads candles from an archive directory. The exported CSV is parsed piece by piece as
    /// the exporter hands it over (about 1 MB at a time), never held whole.
    package static func archive(_ directory: String, asset: String?, timeframe: Timeframe?) throws(Failure) -> Loaded {
        var options = ExportOptions(kind: .candles, asset: asset, format: .csv, time: .epoch)
        options.timeframe = timeframe
        var parser = PieceParser()
        let exporter = ArchiveExporter(
            directory: directory, options: options,
            sink: { chunk in
                parser.add(chunk)
                return parser.error == nil
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
        parser.finish()
        if summary.assets.count > 1 {
            throw .message(
                "\(directory) holds several assets (\(summary.assets.joined(separator: ", "))): choose one with --asset"
            )
        }
        if let error = parser.error { throw .message("\(directory): \(error.description)") }
        let asset = summary.assets.first ?? asset ?? "?"
        let tf = timeframe?.description ?? timeframeName(parser.candles)
        return Loaded(
            candles: parser.candles, label: "\(directory) (\(asset), \(tf))", damaged: summary.damaged,
            skippedAbsurd: summary.skippedAbsurd)
    }

    /// The spacing of the first two candles as a timeframe name (for labels only).
    private static func timeframeName(_ candles: [AnalysisCandle]) -> String {
        guard candles.count > 1 else { return "1 candle" }
        // Checked: Int(x) of a NaN or huge Double traps.
        guard let s = Int(exactly: (candles[1].timestamp - candles[0].timestamp).rounded()), s > 0, s <= 31_536_000
        else { return "?" }
        return Timeframe(seconds: s).description
    }
}

/// Parses exported candle CSV as it arrives: whole lines are parsed with the header line in
/// front (so columns are found by name), a cut line waits for the next piece.
private struct PieceParser {
    var candles: [AnalysisCandle] = []
    var error: CandleCSVError?
    private var header: [UInt8]?
    private var rest: [UInt8] = []

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard error == nil else { return }
        rest.append(contentsOf: bytes)
        guard let lastNewline = rest.lastIndex(of: 0x0A) else { return }
        var lines = Array(rest[...lastNewline])
        rest.removeSubrange(...lastNewline)
        if header == nil, let end = lines.firstIndex(of: 0x0A) {
            header = Array(lines[...end])
            lines.removeSubrange(...end)
        }
        parse(lines)
    }

    mutating func finish() {
        guard error == nil, !rest.isEmpty else { return }
        if header == nil { header = rest + [0x0A]; rest = []; return }
        parse(rest)
        rest = []
    }

    private mutating func parse(_ lines: [UInt8]) {
        guard !lines.isEmpty else { return }
        do {
            candles += try CandleCSV.parse(String(decoding: (header ?? []) + lines, as: UTF8.self))
        } catch {
            self.error = error
        }
    }
}
