import Archive
import ArgumentParser
import Candles
import Engine
import Foundation
import Indicators

#if canImport(Glibc)
import Glibc
#endif

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
            loaded = try AnalysisCandleLoader.load(
                input, asset: asset, timeframe: tf, threads: ProcessInfo.processInfo.activeProcessorCount)
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

    /// Writes what `body` hands its sink to `path` or to standard output, piece by piece. A file
    /// is written whole or not at all: into a temporary file beside it, renamed over it when
    /// complete.
    static func write(to path: String?, _ body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        guard let path else {
            try body { piece in
                guard StandardStreams.write(piece, to: 1) else { throw CommandFailure("cannot write standard output") }
            }
            return
        }
        let temporary = path + ".qflux-\(getpid()).tmp"
        func failure() -> CommandFailure {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return CommandFailure("cannot write \(path): \(reason)")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure() }
        do {
            try body { piece in
                var written = 0
                while written < piece.count {
                    let n = Glibc.write(fd, piece.baseAddress! + written, piece.count - written)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure() }
                    written += n
                }
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else { throw failure() }
        guard rename(temporary, path) == 0 else { throw failure() }
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
