import Backtest
import Foundation
import Indicators

/// The analysis code: `quantum_flux` over 200,000 candles against the plain-Python restatement of
/// the original algorithm (Tests/AnalysisTests/Scripts/quantum_flux_reference.py, the tests'
/// oracle) timed in the same run, RSI(14) candle updates per second (closed candles pushed, and
/// a forming candle previewed), and a sweep on 1 core vs all cores.
struct BacktestStage: BenchStage {
    let name = "backtest"
    let summary = "quantum_flux vs plain Python (same run), RSI updates/s (push, preview), sweep scaling 1 vs all cores"

    func run(_ context: BenchContext) throws -> [Figure] {
        var figures: [Figure] = []
        let count = context.quick ? 50_000 : 200_000
        let candles = Self.candles(count, seed: 2026)

        // quantum_flux, the original strategy and trade loop.
        var swiftResult: BacktestResult?
        let (samples, sink) = measure(warmups: 1, runs: context.runs) {
            let r = Backtester.run(candles: candles, strategy: QuantumFlux())
            swiftResult = r
            return r.trades.count
        }
        guard let result = swiftResult, sink > 0 else { throw BenchError("backtest: quantum_flux made no trades") }
        figures.append(
            Figure(
                stage: name, name: "quantum_flux, \(count / 1000)k candles", value: samples.median * 1000, unit: "ms",
                spreadPercent: samples.spreadPercent,
                note: "\(formatNumber(Double(count) / samples.median)) candles/s, \(result.trades.count) trades"))
        if context.pythonBaselines {
            figures += try python(candles: candles, swift: result, swiftSeconds: samples.median, context: context)
        }

        // RSI(14): closed candles pushed (timestamp check, Wilder update, value) and a forming
        // candle revised many times (preview: no state change). Wall-clock rates, and rates per
        // second of this thread's CPU time (what the code does when it has a core: the shared
        // development VM often gives this process a fraction of one).
        let passes = context.quick ? 10 : 25
        let push = Self.measureWithCPU(runs: context.runs) {
            var total = 0.0
            for _ in 0..<passes {
                var rsi = RSI(period: 14)
                for c in candles { total += rsi.push(c) ?? 0 }
            }
            return total
        }
        guard push.sink > 0 else { throw BenchError("backtest: RSI produced no values") }
        let pushes = Double(count * passes)
        figures.append(
            Figure(
                stage: name, name: "RSI(14) push, closed candles", value: pushes / push.wall.median,
                unit: "updates/s", spreadPercent: push.wall.spreadPercent, target: .atLeast(50_000_000),
                note: "\(formatNumber(pushes / push.cpu.median)) per CPU-second"))
        var seeded = RSI(period: 14)
        for c in candles.prefix(1000) { seeded.push(c) }
        let forming = candles[1000]
        let revisions = count * passes
        let preview = Self.measureWithCPU(runs: context.runs) {
            var total = 0.0
            var f = forming
            for k in 0..<revisions {
                f.close = forming.close + Double(k & 127) * 1e-6
                total += seeded.preview(f) ?? 0
            }
            return total
        }
        guard preview.sink > 0 else { throw BenchError("backtest: RSI preview produced no values") }
        figures.append(
            Figure(
                stage: name, name: "RSI(14) preview, forming candle revised",
                value: Double(revisions) / preview.wall.median,
                unit: "updates/s", spreadPercent: preview.wall.spreadPercent,
                note: "\(formatNumber(Double(revisions) / preview.cpu.median)) per CPU-second"))

        figures += try sweepScaling(context)
        return figures
    }

    // MARK: - Python reference

    /// Times `run_backtest` of the reference script inside Python (Scripts/backtest_reference_timer.py:
    /// interpreter start and JSON loading excluded) and checks it made the same trades.
    private func python(candles: [AnalysisCandle], swift: BacktestResult, swiftSeconds: Double, context: BenchContext)
        throws -> [Figure]
    {
        guard let script = Self.referenceScript() else {
            return [
                Figure(
                    stage: name, name: "quantum_flux, plain Python", value: .nan, unit: "",
                    note:
                        "Tests/AnalysisTests/Scripts/quantum_flux_reference.py not found (run from the package root): skipped"
                )
            ]
        }
        guard let python = PythonBaseline.findPython() else {
            return [
                Figure(
                    stage: name, name: "quantum_flux, plain Python", value: .nan, unit: "",
                    note: "python3 not found: skipped")
            ]
        }
        var json = "["
        json.reserveCapacity(candles.count * 100)
        for (i, c) in candles.enumerated() {
            if i > 0 { json += "," }
            json +=
                "{\"timestamp\":\(c.timestamp),\"open\":\(c.open),\"high\":\(c.high),\"low\":\(c.low),\"close\":\(c.close)}"
        }
        json += "]"
        let file = try context.temporaryFile(named: "backtest-candles.json", contents: Array(json.utf8))
        let driver = try context.scripts.path(for: .backtestReference)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["python3", driver, script, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: " ")
        guard process.terminationStatus == 0, parts.count == 3, let seconds = Double(parts[0]),
            let trades = Int(parts[1]),
            let ending = Double(parts[2])
        else {
            throw BenchError("backtest: the Python reference failed: \(text.prefix(200))")
        }
        guard trades == swift.trades.count, ending == swift.statistics.endingBalance else {
            throw BenchError(
                "backtest: Python made \(trades) trades ending at \(ending), qflux \(swift.trades.count) ending at \(swift.statistics.endingBalance)"
            )
        }
        return [
            Figure(
                stage: name, name: "quantum_flux, plain Python reference", value: seconds * 1000, unit: "ms",
                note: "one run; same \(trades) trades and ending balance"),
            Figure(
                stage: name, name: "quantum_flux: qflux ÷ plain Python", value: seconds / swiftSeconds, unit: "×",
                target: .atLeast(100)),
        ]
    }

    /// The reference script, relative to the package root (this file's location, else the
    /// current directory).
    static func referenceScript() -> String? {
        let relative = "Tests/AnalysisTests/Scripts/quantum_flux_reference.py"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            root.appendingPathComponent(relative).path, FileManager.default.currentDirectoryPath + "/" + relative,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    // MARK: - Sweep scaling

    /// `quantum_flux_ta` over rsi.period × bbands.k: `Sweep.run` on one thread, then on all cores
    /// (the same work: shared indicator columns, then every combination).
    private func sweepScaling(_ context: BenchContext) throws -> [Figure] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let candles = Self.candles(context.quick ? 10_000 : 40_000, seed: 7)
        let sweep = Sweep(parameters: [
            SweepParameter(name: "rsi.period", values: (7...14).map(Double.init)),
            SweepParameter(name: "bbands.k", values: [1.5, 2]),
        ])
        let factory: Sweep.Factory = { StrategyCatalog.make(name: "quantum_flux_ta", parameters: $0) }
        let total = sweep.combinationCount
        let runs = max(3, context.runs / 2)
        let (one, oneSink) = measure(warmups: 0, runs: runs) {
            sweep.run(candles: candles, factory: factory, parallel: false).reduce(0) {
                $0 + ($1.statistics?.totalTrades ?? 0)
            }
        }
        let cpu0 = processCPUSeconds()
        let (all, allSink) = measure(warmups: 0, runs: runs) {
            sweep.run(candles: candles, factory: factory).reduce(0) { $0 + ($1.statistics?.totalTrades ?? 0) }
        }
        let busy = (processCPUSeconds() - cpu0) / all.seconds.reduce(0, +)
        guard oneSink == allSink, oneSink > 0 else {
            throw BenchError("backtest: the sweep's runs disagree between 1 and \(cores) cores")
        }
        return [
            Figure(
                stage: name, name: "sweep \(total) runs × \(candles.count / 1000)k candles, 1 core",
                value: Double(total) / one.median,
                unit: "runs/s", spreadPercent: one.spreadPercent),
            Figure(
                stage: name, name: "sweep, all \(cores) cores", value: Double(total) / all.median, unit: "runs/s",
                spreadPercent: all.spreadPercent, note: "\(formatNumber(busy)) CPUs busy on average"),
            Figure(
                stage: name, name: "sweep speed-up, \(cores) cores ÷ 1", value: one.median / all.median, unit: "×",
                note: "ideal \(cores)× on an idle machine"),
        ]
    }

    // MARK: - Timing

    /// One warm-up, then `runs` timed runs: wall-clock and this thread's CPU seconds.
    static func measureWithCPU(runs: Int, _ body: () -> Double) -> (wall: Samples, cpu: Samples, sink: Double) {
        var sink = body()
        var wall = Samples()
        var cpu = Samples()
        for _ in 0..<runs {
            let c0 = threadCPUSeconds()
            let t0 = now()
            sink += body()
            wall.seconds.append(now() - t0)
            cpu.seconds.append(threadCPUSeconds() - c0)
        }
        return (wall, cpu, sink)
    }

    // MARK: - Data

    /// A SplitMix64 random walk of 1-minute candles with 5-decimal prices (equal closes happen).
    static func candles(_ n: Int, seed: UInt64) -> [AnalysisCandle] {
        var s = seed
        func next() -> Double {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        var out: [AnalysisCandle] = []
        out.reserveCapacity(n)
        var close = 1.1
        for i in 0..<n {
            let open = close
            close = ((open + (next() + next() + next() + next() - 2) * 0.0015) * 100_000).rounded() / 100_000
            let high = max(open, close) + (next() * 30).rounded() / 100_000
            let low = min(open, close) - (next() * 30).rounded() / 100_000
            out.append(
                AnalysisCandle(
                    timestamp: 1_756_000_000 + Double(i) * 60, open: open, high: high, low: low, close: close))
        }
        return out
    }
}
