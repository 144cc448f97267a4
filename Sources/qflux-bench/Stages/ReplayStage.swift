import Engine
import FastDecode
import Logging

/// End to end offline: perf-log corpus → decoder → ring → engine thread (candles, 1m + 5s) →
/// archive (optional), as `qflux replay` runs it.
struct ReplayStage: BenchStage {
    let name = "replay"
    let summary = "end-to-end replay ticks/s (decode → ring → candles [→ archive])"

    func run(_ context: BenchContext) throws -> [Figure] {
        let frames = context.quick ? 200_000 : 1_000_000
        // Replay's ticks are dense in time: every frame a tick on the generator's clock.
        let corpus = CorpusGenerator(form: .perfLog, frames: frames)
        var figures: [Figure] = []
        for archived in [false, true] {
            var ticks = 0
            let (samples, _) = try corpus.withPaddedBytes { raw in
                try measureThrowing(runs: context.runs) {
                    var config = PipelineConfiguration()
                    config.timeframes = [Timeframe(seconds: 5), .oneMinute]
                    if archived {
                        config.archive = ArchiveConfiguration(directory: try context.temporaryDirectory(named: "replay-archive").path,
                                                              collect: .both)
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
            figures.append(Figure(stage: name, name: archived ? "replay with archive (ticks + candles)" : "replay, candles only",
                                  value: Double(corpus.ticks) / samples.median, unit: "ticks/s",
                                  spreadPercent: samples.spreadPercent, target: .atLeast(2_000_000)))
        }
        return figures
    }
}

/// `measure` for work that throws.
func measureThrowing(runs: Int, _ body: () throws -> Int) throws -> (Samples, Int) {
    var samples = Samples()
    var sink = 0
    sink &+= try body()   // warm-up
    for _ in 0..<runs {
        let t0 = now()
        sink &+= try body()
        samples.seconds.append(now() - t0)
    }
    return (samples, sink)
}
