import Archive
import ArgumentParser
import Candles
import Foundation
import Indicators

/// INPUT, --asset and --timeframe of `qflux indicators` and `qflux backtest`: candles from an
/// archive directory (through the same code as `qflux export --kind candles`) or a CSV file.
struct AnalysisInputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "An archive directory (the --data-dir of stream/replay) or a candle CSV file.",
        discussion: "CSV columns: the original tool's timestamp,open,close,high,low[,volume] (any order with a header).",
        valueName: "input"))
    var input: String

    @Option(help: "Archive: the asset (case and punctuation ignored; required when the archive holds several). Ignored for a CSV file.")
    var asset: String?

    @Option(help: "Archive: the candle timeframe (5s, 1m, 4h, 1d or seconds): stored candles of it, or resampled from smaller candles or ticks. Needed when the archive holds ticks only or several timeframes. Ignored for a CSV file.")
    var timeframe: String?

    /// What was read, for summaries and report titles.
    struct Loaded {
        var candles: [AnalysisCandle]
        /// `data (EURUSD_otc, 1m)` or the CSV path.
        var label: String
    }

    /// Reads the candles; a `CommandFailure` with one line for every problem (a bad --timeframe is
    /// a usage error, everything else a runtime failure).
    func load() throws -> Loaded {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw CommandFailure("\(input): no such file or directory")
        }
        let loaded = isDirectory.boolValue ? try loadArchive() : try loadCSV()
        guard !loaded.candles.isEmpty else { throw CommandFailure("\(input): no candles") }
        return loaded
    }

    private func loadCSV() throws -> Loaded {
        do {
            return Loaded(candles: try CandleCSV.load(path: input), label: input)
        } catch {
            throw CommandFailure(error.message)
        }
    }

    private func loadArchive() throws -> Loaded {
        var options = ExportOptions(kind: .candles, asset: asset, format: .csv, time: .epoch)
        if let timeframe {
            guard let tf = Timeframe(parsing: timeframe) else {
                throw CommandFailure("--timeframe: '\(timeframe)' is not a timeframe (5s, 1m, 4h, 1d or seconds)", code: QFluxExit.usage)
            }
            options.timeframe = tf
        }
        var bytes: [UInt8] = []
        let exporter = ArchiveExporter(directory: input, options: options, sink: { chunk in
            bytes.append(contentsOf: chunk)
            return true
        })
        let summary: ExportSummary
        do {
            summary = try exporter.run()
        } catch {
            if timeframe == nil, error.detail == "no candle chunks" {
                throw CommandFailure("\(input): no stored candles: pick a --timeframe to form candles from its ticks")
            }
            throw CommandFailure(nil, error)
        }
        if summary.assets.count > 1 {
            throw CommandFailure("\(input) holds several assets (\(summary.assets.joined(separator: ", "))): choose one with --asset")
        }
        for path in summary.damaged { StandardStreams.err("warning: \(path) is damaged: read up to the damage (run qflux verify)") }
        let candles: [AnalysisCandle]
        do {
            candles = try CandleCSV.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw CommandFailure("\(input): \(error.description)")
        }
        let asset = summary.assets.first ?? asset ?? "?"
        let tf = options.timeframe?.description ?? Self.timeframeName(candles)
        return Loaded(candles: candles, label: "\(input) (\(asset), \(tf))")
    }

    /// The spacing of the first two candles as a timeframe name (for labels only).
    private static func timeframeName(_ candles: [AnalysisCandle]) -> String {
        guard candles.count > 1 else { return "1 candle" }
        let s = Int((candles[1].timestamp - candles[0].timestamp).rounded())
        return s > 0 ? Timeframe(seconds: s).description : "?"
    }
}

/// Writes command output to `--output FILE` or standard output.
enum AnalysisOutput {
    static func write(_ text: String, to path: String?) throws {
        if let path {
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot write \(path): \(Self.reason(error))")
            }
        } else {
            StandardStreams.out(Array(text.utf8))
        }
    }

    /// The POSIX reason of a Foundation write error when there is one.
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileWriteNoPermissionError { return "Permission denied" }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileNoSuchFileError || ns.code == NSFileWriteFileExistsError {
            return "No such file or directory"
        }
        return ns.localizedDescription
    }
}
