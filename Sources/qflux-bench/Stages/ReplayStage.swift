import Archive
import Candles
import ChromeCDP
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer

/// End to end offline: corpus → decoder → ring → engine thread (candles, 1m + 5s) → archive
/// (optional), as `qflux replay` runs it. One tick per frame, as in real captures: each tick
/// costs two lines (the `451-` header and its binary attachment), so decode bounds the rate.
struct ReplayStage: BenchStage {
    let name = "replay"
    let summary = "end-to-end replay ticks/s (decode → ring → candles [→ archive])"

    func run(_ context: BenchContext) throws -> [Figure] {
        let frames = context.quick ? 200_000 : 1_000_000
        var figures: [Figure] = []
        for (form, archived) in [(CDPFrameEncoder.Form.cdp, false), (.perfLog, false), (.cdp, true)] {
            let corpus = CorpusGenerator(form: form, frames: frames)
            var ticks = 0
            let (samples, _) = try corpus.withPaddedBytes { raw in
                try measureThrowing(warmups: 1, runs: context.runs) { _ in
                    var config = PipelineConfiguration()
                    config.timeframes = [Timeframe(seconds: 5), .oneMinute]
                    config.keepsRecentCandles = false
                    if archived {
                        config.archive = ArchiveConfiguration(directory: try context.temporaryDirectory(named: "replay-archive").path,
                                                              collect: .both)
                        config.archive?.fsyncOnClose = false
                    }
                    let pipeline = try MarketPipeline(configuration: config, logger: Logger(label: "bench"))
                    let feeder = try pipeline.makeFeeder()
                    pipeline.start()
                    forEachLine(raw) { line, readable in feeder.feed(line: line, readable: readable) }
                    let summary = try pipeline.finish()
                    ticks = summary.counters.ticks
                    return ticks
                }
            }
            guard ticks == corpus.ticks else { throw BenchError("replay: \(ticks) ticks reached the engine, expected \(corpus.ticks)") }
            let label = (form == .cdp ? "CDP" : "perf-log") + (archived ? ", archiving ticks + candles" : ", candles 5s + 1m")
            figures.append(Figure(stage: name, name: "replay \(label)",
                                  value: Double(corpus.ticks) / samples.median, unit: "ticks/s",
                                  spreadPercent: samples.spreadPercent, target: .atLeast(2_000_000)))
        }
        figures += try parallel(context, frames: frames)
        return figures
    }

    /// The same replay from a file decoded on every core (`qflux replay` on a regular file).
    /// With `QFLUX_BENCH_KEEP_CORPUS=DIR` the corpus files are also written to DIR.
    private func parallel(_ context: BenchContext, frames: Int) throws -> [Figure] {
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        var figures: [Figure] = []
        for form in [CDPFrameEncoder.Form.cdp, .perfLog] {
            let corpus = CorpusGenerator(form: form, frames: frames)
            let file = try context.temporaryDirectory(named: "replay-parallel").appendingPathComponent("corpus.jsonl")
            try Data(corpus.bytes).write(to: file)
            if let keep = ProcessInfo.processInfo.environment["QFLUX_BENCH_KEEP_CORPUS"] {
                // For whole-process timing of `qflux replay FILE` on the same input.
                let kept = URL(fileURLWithPath: keep).appendingPathComponent("replay-\(form == .cdp ? "cdp" : "perflog")-\(frames).jsonl")
                try Data(corpus.bytes).write(to: kept)
            }
            var ticks = 0
            let (samples, _) = try measureThrowing(warmups: 1, runs: context.runs) { _ in
                var config = PipelineConfiguration()
                config.timeframes = [Timeframe(seconds: 5), .oneMinute]
                config.keepsRecentCandles = false
                let pipeline = try MarketPipeline(configuration: config, logger: Logger(label: "bench"))
                pipeline.start()
                _ = try ParallelFileDecoder(path: file.path, threads: threads, assets: pipeline.assets).run(into: pipeline)
                ticks = try pipeline.finish().counters.ticks
                return ticks
            }
            guard ticks == corpus.ticks else { throw BenchError("parallel replay: \(ticks) ticks reached the engine, expected \(corpus.ticks)") }
            figures.append(Figure(stage: name, name: "replay \(form == .cdp ? "CDP" : "perf-log") file on \(threads) threads",
                                  value: Double(corpus.ticks) / samples.median, unit: "ticks/s",
                                  spreadPercent: samples.spreadPercent, target: .atLeast(form == .cdp ? 3_000_000 : 2_000_000)))
        }
        return figures
    }
}
