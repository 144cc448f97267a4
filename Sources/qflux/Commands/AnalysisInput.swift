import Archive
import ArgumentParser
import Candles
import Engine
import Foundation
import Indicators

/// INPUT, --asset and --timeframe of `qflux indicators` and `qflux backtest`: candles from an
/// archive directory (through the same code as `qflux export --kind candles`) or a CSV file.
struct AnalysisInputOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "An archive directory (the --data-dir of stream/replay) or a candle CSV file.",
            discussion:
                "CSV columns: the original tool's timestamp,open,close,high,low[,volume] (any order with a header).",
            valueName: "input"))
    var input: String

    @Option(
        help:
            "Archive: the asset (case and punctuation ignored; required when the archive holds several). Ignored for a CSV file."
    )
    var asset: String?

    @Option(
        help:
            "Archive: the candle timeframe (5s, 1m, 4h, 1d or seconds): stored candles of it, or resampled from smaller candles or ticks. Needed when the archive holds ticks only or several timeframes. Ignored for a CSV file."
    )
    var timeframe: String?

    /// What was read, for summaries and report titles.
    typealias Loaded = AnalysisCandleLoader.Loaded

    /// Reads the candles (``AnalysisCandleLoader``); a `CommandFailure` with one line for every
    /// problem (a bad --timeframe is a usage error, everything else a runtime failure).
    func load() throws -> Loaded {
        var tf: Timeframe?
        if let timeframe {
            guard let parsed = Timeframe(parsing: timeframe) else {
                throw CommandFailure(
                    "--timeframe: '\(timeframe)' is not a timeframe (5s, 1m, 4h, 1d or seconds)", code: QFluxExit.usage)
            }
            tf = parsed
        }
        let loaded: Loaded
        do {
            loaded = try AnalysisCandleLoader.load(input, asset: asset, timeframe: tf)
        } catch {
            switch error {
            case let .archive(archive): throw CommandFailure(nil, archive)
            case let .message(text): throw CommandFailure(text)
            }
        }
        for path in loaded.damaged {
            StandardStreams.err("warning: \(path) is damaged: read up to the damage (run qflux verify)")
        }
        if let note = loaded.skippedNote { StandardStreams.err("warning: \(input): \(note)") }
        return loaded
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

    /// Writes bytes to `path` (atomically: a whole file or none) or to standard output.
    static func write(bytes: [UInt8], to path: String?) throws {
        if let path {
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(path): \(Self.reason(error))")
            }
        } else {
            StandardStreams.out(bytes)
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
