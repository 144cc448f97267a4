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
    let summary =
        "end-to-end replay ticks/s (decode → ring → candles [→ archive]); qflux replay vs the Python decode path as whole processes"

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
                        config.archive = ArchiveConfiguration(
                            directory: try context.temporaryDirectory(named: "replay-archive").path,
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
            guard ticks == corpus.ticks else {
                throw BenchError("replay: \(ticks) ticks reached the engine, expected \(corpus.ticks)")
            }
            let label =
                (form == .cdp ? "CDP" : "perf-log") + (archived ? ", archiving ticks + candles" : ", candles 5s + 1m")
            figures.append(
                Figure(
                    stage: name, name: "replay \(label)",
                    value: Double(corpus.ticks) / samples.median, unit: "ticks/s",
                    spreadPercent: samples.spreadPercent, target: .atLeast(2_000_000)))
        }
        figures += try parallel(context, frames: frames)
        figures += try wholeProcess(context)
        return figures
    }

    /// What a user feels: `qflux replay FILE` and the original tool's decode path in Python (the
    /// decode stage's script, one pass; stdlib `json` and `orjson`), each as a whole process on
    /// the same 200,000-line perf-log file, alternately; medians of the wall times, CPU times
    /// beside them.
    private func wholeProcess(_ context: BenchContext) throws -> [Figure] {
        let label = "whole process"
        let qflux = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("qflux").path
        guard FileManager.default.isExecutableFile(atPath: qflux) else {
            return [
                Figure(
                    stage: name, name: "\(label): qflux replay", value: .nan, unit: "",
                    note: "no qflux beside qflux-bench (make release builds both): skipped")
            ]
        }
        let corpus = CorpusGenerator(form: .perfLog, frames: 200_000)
        let file = try context.temporaryFile(named: "whole-process.perflog.jsonl", contents: corpus.bytes)
        var variants: [PythonBaseline.Variant] =
            context.pythonBaselines && PythonBaseline.findPython() != nil ? [.stdlib, .orjson] : []
        let script = variants.isEmpty ? "" : try context.scripts.path(for: .decodeBaseline)
        var qfluxRuns: [ChildProcess.Timing] = []
        var pythonRuns: [PythonBaseline.Variant: [ChildProcess.Timing]] = [:]
        for _ in 0..<(context.quick ? 1 : 3) {
            let q = try ChildProcess.run([qflux, "replay", file])
            // "qflux replay: 200000 lines, 74.9 MB, 108605 ticks in 160.2 ms (…)"
            let ticks = q.output.range(of: " ticks in ").flatMap { r in
                Int(q.output[..<r.lowerBound].split(separator: " ").last ?? "")
            }
            guard q.status == 0, ticks == corpus.ticks else {
                throw BenchError(
                    "qflux replay exited \(q.status) with \(ticks.map(String.init) ?? "no") ticks, expected \(corpus.ticks): \(q.output.prefix(300))"
                )
            }
            qfluxRuns.append(q)
            for variant in variants {
                let t = try ChildProcess.run(["python3", script, variant.rawValue, file, "1"])
                let out = t.output.trimmingCharacters(in: .whitespacesAndNewlines)
                if out == "missing" {
                    variants.removeAll { $0 == variant }
                    continue
                }
                guard t.status == 0, out.split(separator: " ").last.flatMap({ Int($0) }) == corpus.ticks else {
                    throw BenchError("Python \(variant.rawValue) decode path exited \(t.status): \(out.prefix(200))")
                }
                pythonRuns[variant, default: []].append(t)
            }
        }
        func median(_ v: [Double]) -> Double { Samples(seconds: v).median }
        func runs(_ t: [ChildProcess.Timing]) -> String {
            t.map { String(format: "%.2f", $0.wall) }.joined(separator: ", ")
        }
        let q = (wall: median(qfluxRuns.map(\.wall)), cpu: median(qfluxRuns.map(\.cpu)))
        let size = String(format: "%.0f MB", Double(corpus.bytes.count) / 1e6)
        var figures = [
            Figure(
                stage: name, name: "\(label): qflux replay FILE (perf-log, \(size), \(corpus.ticks) ticks)",
                value: q.wall, unit: "s",
                note: String(format: "CPU %.2f s; runs: ", q.cpu) + runs(qfluxRuns))
        ]
        for variant in [PythonBaseline.Variant.stdlib, .orjson] {
            guard let timings = pythonRuns[variant], !timings.isEmpty else {
                figures.append(
                    Figure(
                        stage: name, name: "\(label): Python \(variant.rawValue) decode path", value: .nan, unit: "",
                        note: context.pythonBaselines
                            ? "\(variant.rawValue) or python3 missing: skipped" : "--no-python"))
                continue
            }
            let wall = median(timings.map(\.wall)), cpu = median(timings.map(\.cpu))
            figures.append(
                Figure(
                    stage: name, name: "\(label): Python \(variant.rawValue) decode path, same file", value: wall,
                    unit: "s",
                    note: String(format: "CPU %.2f s; runs: ", cpu) + runs(timings)))
            figures.append(
                Figure(
                    stage: name, name: "\(label): qflux replay ÷ Python \(variant.rawValue)", value: wall / q.wall,
                    unit: "×",
                    target: .atLeast(variant == .stdlib ? 25 : 8),
                    note: String(format: "by CPU time %.1f×", cpu / q.cpu)))
        }
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
                let kept = URL(fileURLWithPath: keep).appendingPathComponent(
                    "replay-\(form == .cdp ? "cdp" : "perflog")-\(frames).jsonl")
                try Data(corpus.bytes).write(to: kept)
            }
            var ticks = 0
            let (samples, _) = try measureThrowing(warmups: 1, runs: context.runs) { _ in
                var config = PipelineConfiguration()
                config.timeframes = [Timeframe(seconds: 5), .oneMinute]
                config.keepsRecentCandles = false
                let pipeline = try MarketPipeline(configuration: config, logger: Logger(label: "bench"))
                pipeline.start()
                _ = try ParallelFileDecoder(path: file.path, threads: threads, assets: pipeline.assets).run(
                    into: pipeline)
                ticks = try pipeline.finish().counters.ticks
                return ticks
            }
            guard ticks == corpus.ticks else {
                throw BenchError("parallel replay: \(ticks) ticks reached the engine, expected \(corpus.ticks)")
            }
            figures.append(
                Figure(
                    stage: name, name: "replay \(form == .cdp ? "CDP" : "perf-log") file on \(threads) threads",
                    value: Double(corpus.ticks) / samples.median, unit: "ticks/s",
                    spreadPercent: samples.spreadPercent, target: .atLeast(form == .cdp ? 3_000_000 : 2_000_000)))
        }
        return figures
    }
}
