import Archive
import ArgumentParser
import Candles

#if canImport(Glibc)
import Glibc
#endif

extension ArchiveCollect: ExpressibleByArgument {}

/// `--collect-stream`, `--data-dir` and chunk sizes: shared by `replay` and `stream`.
struct CollectOptions: ParsableArguments {
    @Option(
        name: .customLong("collect-stream"),
        help: "What to archive: tick, candle, both or none. Chunks are LZ4 frame files (docs/archive-format.md).")
    var collect: ArchiveCollect = .none

    @Option(
        name: .customLong("data-dir"),
        help:
            "Archive directory (created when missing). `qflux stream` also serves it to clients (CSV API, get_available_data, run_backtest), whether or not it collects."
    )
    var dataDirectory: String = "data"

    @Option(
        name: .customLong("tick-chunk-size"), help: "Ticks per chunk file before it is closed and a new one started.")
    var tickChunkSize: Int = 1000

    @Option(name: .customLong("candle-chunk-size"), help: "Candles per chunk file.")
    var candleChunkSize: Int = 100

    func validate() throws {
        guard tickChunkSize > 0 else { throw ValidationError("--tick-chunk-size must be at least 1") }
        guard candleChunkSize > 0 else { throw ValidationError("--candle-chunk-size must be at least 1") }
    }

    /// Fails when collecting into a directory that exists but cannot be written (a read-only file
    /// system, or no permission): call it after the pipeline created the directory.
    func checkWritable() throws {
        guard collect != .none, access(dataDirectory, W_OK | X_OK) != 0 else { return }
        throw CommandFailure("cannot write to --data-dir \(dataDirectory): \(String(cString: strerror(errno)))")
    }

    /// The archive configuration, or nil when nothing is collected.
    var archive: ArchiveConfiguration? {
        collect == .none
            ? nil
            : ArchiveConfiguration(
                directory: dataDirectory, collect: collect,
                tickChunkSize: tickChunkSize, candleChunkSize: candleChunkSize)
    }
}

/// `--timeframes`: shared by `replay` and `stream`.
struct CandleOptions: ParsableArguments {
    @Option(
        name: .customLong("timeframes"), parsing: .singleValue,
        help: ArgumentHelp(
            "Candle timeframes to form, comma-separated (5s,10s,15s,30s,1m,2m,3m,5m,10m,15m,30m,1h,4h,1d).",
            valueName: "list"))
    var timeframeLists: [String] = ["1m"]

    @Option(
        name: .customLong("late-candles"),
        help: "How many closed candles back a late tick may still revise (0: late ticks are only counted).")
    var lateCandles: Int = 1

    func validate() throws {
        _ = try timeframes()
        guard lateCandles >= 0 else { throw ValidationError("--late-candles must be 0 or more") }
    }

    /// The parsed timeframes, sorted, without repeats.
    func timeframes() throws -> [Timeframe] {
        var out: Set<Timeframe> = []
        for list in timeframeLists {
            for item in list.split(separator: ",") {
                guard let tf = Timeframe(parsing: String(item)) else {
                    throw ValidationError("'\(item)' is not a timeframe; use e.g. 5s, 1m, 15m, 1h, 1d")
                }
                out.insert(tf)
            }
        }
        guard !out.isEmpty else { throw ValidationError("--timeframes needs at least one timeframe") }
        return out.sorted()
    }
}
