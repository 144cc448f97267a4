import Backtest
import FastDecode
import Foundation
import Indicators
import Signals

/// The signal engine: the cost a strategy adds per closed candle (each strategy's run minus a run
/// of the same candles through an engine without strategies, measured in the same run), and a
/// screener of 1,000 assets × 4 timeframes × 3 strategies.
struct SignalsStage: BenchStage {
    let name = "signals"
    let summary =
        "signal engine: ns per closed candle per strategy (vs no strategy, same run); a 1,000 × 4 × 3 screener"

    /// Candles per asset × timeframe stream.
    static let perStream = 400

    func run(_ context: BenchContext) throws -> [Figure] {
        var figures: [Figure] = []
        let assets = context.quick ? 100 : 250
        let candles = BacktestStage.candles(Self.perStream, seed: 77)
        let rules = try RuleProgram.parse("call: rsi(14) < 30 and close < bbands(20,2).lower\nput: rsi(14) > 70")
        let specs: [(String, SignalSpec?)] = [
            ("none", nil),
            ("quantum_flux", SignalSpec(label: "quantum_flux", kind: .quantumFlux, timeframe: nil)),
            ("quantum_flux_ta", SignalSpec(label: "quantum_flux_ta", kind: .quantumFluxTA(.init()), timeframe: nil)),
            ("rules", SignalSpec(label: "rules:bench", kind: .rules(rules), timeframe: nil)),
        ]
        var baseline = 0.0
        let fed = Double(assets * Self.perStream)
        for (label, spec) in specs {
            var signals = 0
            let (samples, sink) = measure(warmups: 1, runs: context.runs) {
                let engine = try! SignalEngine(specs: spec.map { [$0] } ?? []) { if case .signal = $0 { signals += 1 } }
                Self.feed(engine, candles: candles, assets: assets, timeframes: [60])
                return engine.counters.candles
            }
            guard sink > 0 else { throw BenchError("signals: no candles fed") }
            let perCandle = samples.median / fed * 1e9
            if spec == nil {
                baseline = perCandle
                figures.append(
                    Figure(
                        stage: name, name: "engine without strategies (baseline)", value: perCandle, unit: "ns/candle",
                        spreadPercent: samples.spreadPercent, note: "\(assets) assets × \(Self.perStream) candles"))
            } else {
                figures.append(
                    Figure(
                        stage: name, name: "\(label): added per closed candle", value: perCandle - baseline,
                        unit: "ns/candle", spreadPercent: samples.spreadPercent, target: .atMost(1000),
                        note: "\(formatNumber(perCandle)) ns with the baseline; \(signals / (context.runs + 1)) signals"
                    ))
            }
        }

        // The screener of the issue: 1,000 assets × 4 timeframes × 3 strategies (12,000 evaluations).
        let screenerCandles = BacktestStage.candles(context.quick ? 60 : 120, seed: 78)
        let all = specs.compactMap(\.1)
        var evaluations = 0
        var refused = 0
        let (samples, sink) = measure(warmups: 0, runs: 1) {
            let engine = try! SignalEngine(specs: all) { _ in }
            Self.feed(engine, candles: screenerCandles, assets: 1000, timeframes: [5, 60, 300, 3600])
            evaluations = engine.counters.evaluations
            refused = engine.counters.refusedEvaluations
            return engine.counters.candles
        }
        guard evaluations == 12_000, refused == 0 else {
            throw BenchError("signals: the screener kept \(evaluations) evaluations, refused \(refused)")
        }
        figures.append(
            Figure(
                stage: name, name: "screener 1,000 assets × 4 timeframes × 3 strategies",
                value: samples.median / Double(sink) * 1e9, unit: "ns/candle",
                note:
                    "\(evaluations) evaluations, \(formatNumber(Double(sink))) candles in \(formatNumber(samples.median * 1000)) ms"
            ))
        figures.append(try historyFigure(context))
        figures += try replay(context)
        return figures
    }

    /// `qflux replay FILE` with and without `--signals quantum_flux,quantum_flux_ta` on every asset
    /// (5s and 1m candles, journal written), alternately on the same perf-log file; the ratio of
    /// the medians (target ≥ 0.9: signals keep 90 % of plain replay speed). The journal goes to
    /// one data directory whose journal folder a first, untimed run made (as in a data directory
    /// that collects): each timed run still opens, writes and closes its own chunk (one file per
    /// run for every asset; before 2026-12-06 one per asset, whose creation on a busy ext4 cost
    /// more than the strategies).
    private func replay(_ context: BenchContext) throws -> [Figure] {
        let qflux = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("qflux").path
        guard FileManager.default.isExecutableFile(atPath: qflux) else {
            return [
                Figure(
                    stage: name, name: "replay with --signals", value: .nan, unit: "",
                    note: "no qflux beside qflux-bench (make release builds both): skipped")
            ]
        }
        let corpus = CorpusGenerator(form: .perfLog, frames: context.quick ? 50_000 : 200_000)
        let file = try context.temporaryFile(named: "signals-replay.perflog.jsonl", contents: corpus.bytes)
        var plain: [Double] = []
        var withSignals: [Double] = []
        var plainCPU: [Double] = []
        var withSignalsCPU: [Double] = []
        var summary = ""
        let journal = try context.temporaryDirectory(named: "signals-journal").path
        let signalsRun = [
            qflux, "replay", file, "--timeframes", "5s,1m", "--signals", "quantum_flux,quantum_flux_ta", "--data-dir",
            journal,
        ]
        _ = try ChildProcess.run(signalsRun)  // makes the journal folder; warms the page cache
        for _ in 0..<(context.quick ? 3 : 8) {
            let p = try ChildProcess.run([qflux, "replay", file, "--timeframes", "5s,1m", "-q"])
            guard p.status == 0 else { throw BenchError("qflux replay exited \(p.status): \(p.output.prefix(200))") }
            plain.append(p.wall)
            plainCPU.append(p.cpu)
            let s = try ChildProcess.run(signalsRun)
            guard s.status == 0, let line = s.output.split(separator: "\n").first(where: { $0.contains("signals:") })
            else { throw BenchError("qflux replay --signals exited \(s.status): \(s.output.prefix(300))") }
            summary = line.trimmingCharacters(in: .whitespaces)
            withSignals.append(s.wall)
            withSignalsCPU.append(s.cpu)
        }
        let a = Samples(seconds: plain).median
        let b = Samples(seconds: withSignals).median
        // CPU time (user + system) moves less than wall time on a busy machine.
        let cpu = Samples(seconds: plainCPU).median / Samples(seconds: withSignalsCPU).median
        let ratios = zip(plain, withSignals).map { $0 / $1 }.sorted()
        return [
            Figure(stage: name, name: "replay FILE (perf-log, 5s and 1m), plain", value: a, unit: "s"),
            Figure(
                stage: name, name: "replay FILE --signals quantum_flux,quantum_flux_ta", value: b, unit: "s",
                note: summary),
            Figure(
                stage: name, name: "replay speed with --signals ÷ plain", value: a / b, unit: "×",
                target: .atLeast(0.9),
                note:
                    "\(plain.count) alternated pairs, pair ratios \(formatNumber(ratios.first!))…\(formatNumber(ratios.last!)); CPU time ratio \(formatNumber(cpu))"
            ),
        ]
    }

    /// Feeds `candles` to every asset × timeframe, interleaved like a market (candle k of every
    /// stream, then k+1); the first is the stream's candle number `from`.
    static func feed(_ engine: SignalEngine, candles: [AnalysisCandle], assets: Int, timeframes: [Int], from: Int = 0) {
        for (k, c) in candles.enumerated() {
            for tf in timeframes {
                let start = Int64(1_756_000_000 / tf * tf + (from + k) * tf)
                for a in 0..<assets {
                    engine.candleClosed(
                        asset: UInt32(a), name: "A\(a)", timeframe: tf, start: start, open: c.open, high: c.high,
                        low: c.low, close: c.close)
                }
            }
        }
    }
}
