import Archive
import ArgumentParser
import Candles
import Engine
import FastDecode
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
import TextWriters
import RedisBridge
import Synchronization
#endif

/// `qflux replay`: the whole pipeline offline on recorded JSONL, as fast as it goes.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run recorded CDP / perf-log JSONL through the whole pipeline: candles, archive, summary.",
        discussion: """
            Reads the files (standard input when none or '-') as fast as it can, decodes them, forms \
            candles for every asset and timeframe in tick time, and archives ticks and/or candles \
            with --collect-stream. Nothing is lost: the reader waits when the engine is behind.

            --print candles writes every closed candle as a JSON line:
              {"type":"candle","asset":"EURUSD_otc","timeframe":60,"time":1756866720,"open":…,"high":…,"low":…,"close":…,"ticks":N}
            Revised candles (a late tick, or history, changed a closed candle) are printed again with \
            "revised":true. A summary goes to standard error.

            Ctrl-C (SIGINT), SIGTERM or SIGHUP stops reading: what was read is formed into \
            candles and archived, every chunk is closed, the summary is printed, and the exit \
            status is 1 (the input was not replayed to its end).
            """
    )

    @Argument(help: "JSONL files to replay; none or '-' reads standard input.")
    var files: [String] = []

    @OptionGroup var candles: CandleOptions
    @OptionGroup var collect: CollectOptions
    @OptionGroup var publishing: PublishOptions
    @OptionGroup(title: "Signals") var signalOptions: SignalOptions

    @Option(help: "What to print on standard output: candles, ticks or none.")
    var print: PrintMode = .none

    @Flag(name: .shortAndLong, help: "Print no summary on standard error.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "Threads that decode a file in parallel (0: one per core, at most 8; 1: decode on the reading thread).",
            discussion:
                "Regular files are cut into pieces of about 4 MB at line starts and decoded in parallel; events reach the engine in file order, exactly as with one thread. Standard input and pipes are decoded on one thread."
        ))
    var decodeThreads = 0

    @Flag(
        help: ArgumentHelp(
            "Read a file's pieces with pread instead of mapping the file.",
            discussion:
                "Parallel decoding maps a regular file read-only and decodes it where the page cache holds it (no copy). A file that another program truncates while it is replayed would then end qflux with SIGBUS; use --no-mmap for a file that may shrink under it."
        ))
    var noMmap = false

    @Option(
        help: ArgumentHelp("Piece size for parallel decoding, bytes (tests use small pieces).", visibility: .hidden))
    var decodePieceBytes = 4 << 20

    enum PrintMode: String, ExpressibleByArgument, CaseIterable { case candles, ticks, none }

    /// Printed lines are written in pieces of about this many bytes.
    static let outputBatchBytes = 1 << 16

    func run() throws {
        let logger = Logger(label: "qflux.replay")
        var config = PipelineConfiguration()
        config.timeframes = try candles.timeframes()
        config.lateness = .candles(candles.lateCandles)
        config.archive = collect.archive
        // A replay closes many chunks quickly: no fsync per chunk, one sync(2) at the end.
        config.archive?.fsyncOnClose = false
        config.backpressure = .wait
        config.keepsRecentCandles = false
        config.publish = try publishing.configuration()
        let printer = CandlePrinter(enabled: print == .candles)
        _ = try signalOptions.specs()  // a bad spec fails before anything runs
        let pipeline: MarketPipeline
        do {
            pipeline = try MarketPipeline(configuration: config, sink: printer, logger: logger)
        } catch {
            throw CommandFailure(nil, error)
        }
        // The screener (--signals) sees every closed candle and hands each batch on to the printer.
        let screener = try signalOptions.screener(
            assets: pipeline.assets, payouts: pipeline.counters.payoutBoard, dataDirectory: collect.dataDirectory)
        if let screener {
            screener.next = printer
            pipeline.attach(sink: screener)
        }
        try collect.checkWritable()
        printer.assets = pipeline.assets
        let feeder = try pipeline.makeFeeder()
        StopSignals.install()
        pipeline.start()
        let started = monotonicSeconds()
        var bytes = 0
        var tickWriter = JSONWriter(capacity: 2 * Self.outputBatchBytes)
        var parallelStats = DecodeStats()
        let threads = decodeThreads > 0 ? decodeThreads : min(ProcessInfo.processInfo.activeProcessorCount, 8)
        for path in files.isEmpty ? ["-"] : files {
            if threads > 1, Self.isRegularFile(path) {
                let decoder = ParallelFileDecoder(
                    path: path, threads: threads, segmentBytes: decodePieceBytes, assets: pipeline.assets,
                    mapsFile: !noMmap)
                // (`print` is a property wrapper: read once, not per event.)
                let printTicks = print == .ticks
                let result = try decoder.run(into: pipeline, stop: { StopSignals.requested }) { event in
                    guard printTicks, case .tick = event else { return }
                    tickWriter.event(event, assets: pipeline.assets)
                    tickWriter.newline()
                    if tickWriter.bytes.count > Self.outputBatchBytes {
                        StandardStreams.out(tickWriter.bytes); tickWriter.removeAll()
                    }
                }
                parallelStats.merge(result.stats)
                bytes += result.bytes
                continue
            }
            if StopSignals.requested { break }
            let reader = try LineReader(path: path)
            reader.stopRequested = { StopSignals.requested }
            if print == .ticks {
                do {
                    try reader.forEachLine { line, readable in
                        if StopSignals.requested { throw Interrupted() }
                        feeder.feed(line: line, readable: readable) { event in
                            if case .tick = event {
                                tickWriter.event(event, assets: pipeline.assets)
                                tickWriter.newline()
                            }
                        }
                        if tickWriter.bytes.count > Self.outputBatchBytes {
                            StandardStreams.out(tickWriter.bytes); tickWriter.removeAll()
                        }
                    }
                } catch is Interrupted {}
            } else {
                do {
                    try reader.forEachLine { line, readable in
                        if StopSignals.requested { throw Interrupted() }
                        feeder.feed(line: line, readable: readable)
                    }
                } catch is Interrupted {}
            }
            bytes += reader.bytesRead
        }
        StandardStreams.out(tickWriter.bytes)
        let summary: PipelineSummary
        do {
            summary = try pipeline.finish()
        } catch {
            printer.flush()
            throw CommandFailure("archive error while closing", error)
        }
        printer.flush()
        do {
            try screener?.close()
        } catch {
            throw CommandFailure("signal journal error while closing", error)
        }
        if config.archive != nil { sync() }  // (the signal journal alone is not synced: see SignalScreener)
        let elapsed = monotonicSeconds() - started
        if !quiet {
            var stats = feeder.decodeStats
            stats.merge(parallelStats)
            StandardStreams.err(
                ReplaySummary.text(
                    decode: stats, pipeline: summary, bytes: bytes, seconds: elapsed,
                    directory: collect.archive?.directory))
            if let screener {
                StandardStreams.err(SignalOptions.summary(screener, directory: collect.dataDirectory))
            }
        }
        if let p = pipeline.publisher?.counters, !quiet {
            StandardStreams.err(
                "  redis: \(p.ticks.load(ordering: .relaxed)) ticks and \(p.candles.load(ordering: .relaxed)) candles published to \(config.publish!.address), \(p.dropped.load(ordering: .relaxed)) dropped, \(p.errors.load(ordering: .relaxed)) errors"
            )
        }
        if StopSignals.requested {
            throw CommandFailure(
                "stopped by \(StopSignals.name) before the end of the input: \(summary.counters.ticks) ticks replayed\(config.archive != nil ? ", archived in \(collect.dataDirectory) with every chunk closed" : "")"
            )
        }
        if let archive = summary.archive, archive.errors > 0 {
            throw CommandFailure(
                "\(archive.errors) archive write errors: the archive in \(collect.dataDirectory) is incomplete")
        }
    }
}

/// Thrown out of the line loop when a stop signal arrived.
private struct Interrupted: Error {}

extension ReplayCommand {
    /// True for a path naming a regular file (not "-", a pipe or a device).
    static func isRegularFile(_ path: String) -> Bool {
        guard path != "-" else { return false }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}

/// Prints closed (and revised) candles as JSON lines, from the engine thread.
final class CandlePrinter: PipelineSink {
    let enabled: Bool
    var assets: AssetDirectory?
    private var writer = JSONWriter(capacity: 2 * ReplayCommand.outputBatchBytes)

    init(enabled: Bool) { self.enabled = enabled }

    func pipeline(candleEvents: [CandleEvent]) {
        guard enabled, let assets else { return }
        var revised = false
        for event in candleEvents {
            switch event {
            case .closed, .revised:
                let c = event.candle
                if case .revised = event { revised = true } else { revised = false }
                writer.candle(
                    asset: assets.name(of: c.asset), timeframe: c.timeframe.seconds, start: c.start, open: c.open,
                    high: c.high, low: c.low, close: c.close, ticks: c.ticks, revised: revised)
            case .updated: continue
            }
        }
        if writer.bytes.count > ReplayCommand.outputBatchBytes { flush() }
    }

    func pipeline(chart: ChartFocus) {}

    func flush() {
        StandardStreams.out(writer.bytes)
        writer.removeAll()
    }
}

/// The human summary of a replay.
enum ReplaySummary {
    static func text(decode: DecodeStats, pipeline: PipelineSummary, bytes: Int, seconds: Double, directory: String?)
        -> String
    {
        var lines: [String] = []
        let ticksPerSecond = seconds > 0 ? Double(decode.ticks) / seconds : 0
        lines.append(
            "qflux replay: \(decode.lines) lines, \(DecodeSummary.format(Double(bytes) / 1e6)) MB, \(decode.ticks) ticks in \(DecodeSummary.format(seconds * 1000)) ms (\(Int(ticksPerSecond)) ticks/s)"
        )
        let c = pipeline.candles
        lines.append(
            "  candles: \(pipeline.counters.candlesClosed) closed, \(c.lateRevised) revised by late ticks, \(c.lateDropped) late ticks dropped, \(c.duplicates) duplicate ticks, \(c.aheadOfStream) ticks ahead of the stream refused, \(pipeline.counters.histories) history snapshots (\(c.historyCandles) candles, \(c.historyTicks) ticks)"
        )
        if let a = pipeline.archive, let directory {
            let perTick = a.ticks > 0 ? Double(a.bytesWritten) / Double(a.ticks) : 0
            lines.append(
                "  archive: \(a.ticks) ticks, \(a.candles) candles → \(a.chunksClosed) chunks, \(DecodeSummary.format(Double(a.bytesWritten) / 1e3)) kB in \(directory)\(a.ticks > 0 ? " (\(DecodeSummary.format(perTick)) B/record)" : "")\(a.errors > 0 ? ", \(a.errors) ERRORS" : "")"
            )
        }
        lines.append(
            "  malformed: \(decode.malformedTotal)\(decode.malformedTotal > 0 ? " (" + MalformedKind.allCases.filter { decode.malformed($0) > 0 }.map { "\($0) \(decode.malformed($0))" }.joined(separator: ", ") + ")" : "")"
        )
        return lines.joined(separator: "\n")
    }
}
