import Archive
import Candles
import FastDecode
import Foundation
import Indicators
import Logging

/// The analysis commands as a user runs them: `qflux indicators` (CSV in and out, from an
/// archive, JSON lines), `qflux backtest --json` and a 100-set `qflux backtest --sweep`, each a
/// whole process, beside pandas + TA-Lib (Scripts/analysis_pandas_talib.py) and the plain-Python
/// original backtest (Tests/AnalysisTests/Scripts/quantum_flux_reference.py, the tests' oracle)
/// in the same run: pairs alternated (qflux, baseline, qflux, …) after one warm-up of each,
/// medians of wall time, ratios of the medians. 200 k and 2 M candles (20 k and 200 k `--quick`),
/// from a CSV file and from an archive of the same candles.
struct AnalysisStage: BenchStage {
    let name = "analysis"
    let summary =
        "qflux indicators / backtest --json / sweep as whole processes vs pandas+TA-Lib and the plain-Python original (same run, alternated)"

    /// The indicators both sides compute (7 columns).
    static let spec = "rsi(14),macd(12,26,9),bbands(20,2)"

    func run(_ context: BenchContext) throws -> [Figure] {
        let qflux = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("qflux").path
        guard FileManager.default.isExecutableFile(atPath: qflux) else {
            return [
                Figure(
                    stage: name, name: "qflux analysis commands", value: .nan, unit: "",
                    note: "no qflux beside qflux-bench (make release builds both): skipped")
            ]
        }
        let python = context.pythonBaselines && Self.pythonHasPandasTALib()
        let pandasScript = python ? try context.scripts.path(for: .pandasTALib) : nil
        let reference = python ? BacktestStage.referenceScript() : nil
        var figures: [Figure] = []
        if context.pythonBaselines && !python {
            figures.append(
                Figure(
                    stage: name, name: "pandas + TA-Lib", value: .nan, unit: "",
                    note: "python3 with pandas and talib not found (scripts/setup.sh --bench): baselines skipped"))
        }
        let sizes = context.quick ? [20_000, 200_000] : [200_000, 2_000_000]
        for count in sizes {
            let main = count == 200_000  // the targets are set for 200 k candles (the sweep too)
            let pairs = context.quick ? 1 : (count > 500_000 ? 2 : 3)
            let label = count >= 1_000_000 ? "\(count / 1_000_000) M" : "\(count / 1000) k"
            let candles = Self.candles(count)
            let csv = try context.temporaryFile(named: "analysis-\(count).csv", contents: Self.csv(candles))
            let archive = try context.temporaryDirectory(named: "analysis-archive-\(count)").path
            try Self.writeArchive(candles, to: archive)
            let out = context.scratch.appendingPathComponent("analysis-out-\(count)").path
            let pyOut = context.scratch.appendingPathComponent("analysis-py-out-\(count)").path

            // 1. indicators, CSV in and out.
            let csvCSV = try compare(
                pairs: pairs,
                qflux: [qflux, "indicators", csv, "--indicators", Self.spec, "--format", "csv", "-o", out],
                baseline: pandasScript.map { ["python3", $0, csv, pyOut, "csv", "rsi_macd_bbands"] },
                check: { try Self.checkRows(out, pyOut, count) })
            figures += report(
                csvCSV, what: "indicators \(label) candles, CSV in → CSV out (rsi, macd, bbands)",
                baselineName: "pandas + TA-Lib", target: main ? .atLeast(10) : nil)

            // 2. indicators from the archive, against pandas + TA-Lib from the CSV.
            let fromArchive = try compare(
                pairs: pairs,
                qflux: [qflux, "indicators", archive, "--indicators", Self.spec, "--format", "csv", "-o", out],
                baseline: pandasScript.map { ["python3", $0, csv, pyOut, "csv", "rsi_macd_bbands"] },
                check: { try Self.checkRows(out, pyOut, count) })
            figures += report(
                fromArchive, what: "indicators \(label) candles, archive → CSV out (rsi, macd, bbands)",
                baselineName: "pandas + TA-Lib from the CSV", target: main ? .atLeast(20) : nil)

            // 3. indicators to JSON lines (RSI only: the first measurement).
            let jsonl = try compare(
                pairs: pairs,
                qflux: [qflux, "indicators", csv, "--indicators", "rsi(14)", "--format", "jsonl", "-o", out],
                baseline: pandasScript.map { ["python3", $0, csv, pyOut, "jsonl", "rsi"] },
                check: { try Self.checkRows(out, pyOut, count, header: false) })
            figures += report(
                jsonl, what: "indicators \(label) candles, CSV in → JSON lines out (rsi)",
                baselineName: "pandas + TA-Lib", target: nil)

            // 4. backtest --json against the plain-Python original (CSV in, JSON out).
            let backtest = try compare(
                pairs: count > 500_000 ? 1 : pairs,
                qflux: [qflux, "backtest", csv, "--strategy", "quantum_flux", "--json"],
                baseline: reference.map { ["python3", $0, csv] },
                check: nil, sameTrades: true)
            figures += report(
                backtest, what: "backtest --json \(label) candles (quantum_flux, CSV in)",
                baselineName: "plain-Python original", target: main ? .atLeast(100) : nil)

            // 5. sweep: 100 parameter sets of quantum_flux_ta on all cores.
            if main {
                let sweep = try compare(
                    pairs: max(3, pairs),
                    qflux: [
                        qflux, "backtest", csv, "--strategy", "quantum_flux_ta", "--sweep", "rsi.period=5..24",
                        "--sweep", "bbands.k=1.5,1.75,2,2.25,2.5", "--json",
                    ],
                    baseline: nil, check: nil)
                let cores = ProcessInfo.processInfo.activeProcessorCount
                figures.append(
                    Figure(
                        stage: name, name: "sweep 100 sets × \(label) candles, \(cores) cores (whole process)",
                        value: sweep.qflux.median, unit: "s", spreadPercent: sweep.qflux.spreadPercent,
                        target: .atMost(1),
                        note: "CPU \(formatNumber(sweep.qfluxCPU.median)) s"))
            }
            try? FileManager.default.removeItem(atPath: archive)
            try? FileManager.default.removeItem(atPath: csv)
        }
        return figures
    }

    // MARK: - Running

    struct Comparison {
        var qflux = Samples()
        var qfluxCPU = Samples()
        var baseline = Samples()
        var baselineCPU = Samples()
    }

    /// One warm-up of each side, then `pairs` alternated runs. `check` (after a pair) compares
    /// their outputs; `sameTrades` compares the backtests' `total_trades`.
    private func compare(
        pairs: Int, qflux: [String], baseline: [String]?, check: (() throws -> Void)?, sameTrades: Bool = false
    ) throws -> Comparison {
        var c = Comparison()
        for pair in 0...pairs {
            let q = try ChildProcess.run(qflux)
            guard q.status == 0 else {
                throw BenchError(
                    "\(qflux.dropFirst().prefix(2).joined(separator: " ")) exited \(q.status): \(q.output.prefix(300))")
            }
            if pair > 0 {
                c.qflux.seconds.append(q.wall)
                c.qfluxCPU.seconds.append(q.cpu)
            }
            guard let baseline else { continue }
            let b = try ChildProcess.run(baseline)
            guard b.status == 0 else {
                throw BenchError("\(baseline[1]) exited \(b.status): \(b.output.suffix(300))")
            }
            if pair > 0 {
                c.baseline.seconds.append(b.wall)
                c.baselineCPU.seconds.append(b.cpu)
            }
            if pair == 0 {
                try check?()
                if sameTrades {
                    let mine = Self.totalTrades(q.output), theirs = Self.totalTrades(b.output)
                    guard mine != nil, mine == theirs else {
                        throw BenchError(
                            "backtest: qflux made \(mine ?? -1) trades, the Python original \(theirs ?? -1)")
                    }
                }
            }
        }
        return c
    }

    /// The qflux figure, and with a baseline its figure and the ratio of the medians.
    private func report(_ c: Comparison, what: String, baselineName: String, target: Figure.Target?) -> [Figure] {
        var figures = [
            Figure(
                stage: name, name: "qflux \(what)", value: c.qflux.median * 1000, unit: "ms",
                spreadPercent: c.qflux.spreadPercent, note: "CPU \(formatNumber(c.qfluxCPU.median * 1000)) ms")
        ]
        guard !c.baseline.seconds.isEmpty else { return figures }
        figures.append(
            Figure(
                stage: name, name: "\(baselineName), same work", value: c.baseline.median * 1000, unit: "ms",
                spreadPercent: c.baseline.spreadPercent, note: "CPU \(formatNumber(c.baselineCPU.median * 1000)) ms"))
        figures.append(
            Figure(
                stage: name, name: "qflux ÷ \(baselineName): \(what)", value: c.baseline.median / c.qflux.median,
                unit: "×", target: target,
                note:
                    "by CPU time \(formatNumber(c.baselineCPU.median / c.qfluxCPU.median))×; \(c.qflux.seconds.count) pairs"
            ))
        return figures
    }

    /// Both outputs have a line per candle (plus a header for CSV).
    private static func checkRows(_ mine: String, _ theirs: String, _ count: Int, header: Bool = true) throws {
        let expected = count + (header ? 1 : 0)
        for path in [mine, theirs] {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw BenchError("analysis: \(path) was not written")
            }
            let lines = bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            guard lines == expected else {
                throw BenchError("analysis: \(path) has \(lines) lines, expected \(expected)")
            }
        }
    }

    /// `"total_trades": N` (either JSON writer's spacing) in a backtest's output.
    static func totalTrades(_ output: String) -> Int? {
        guard let r = output.range(of: "\"total_trades\":") else { return nil }
        let digits = output[r.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
        return Int(digits)
    }

    /// Whether `python3` imports pandas and talib.
    static func pythonHasPandasTALib() -> Bool {
        (try? ChildProcess.run(["python3", "-c", "import pandas, talib"]))?.status == 0
    }

    // MARK: - Data

    /// The backtest stage's random walk of 1-minute candles, starting in 2017 so 2 M minutes
    /// stay in the past (times later than now are refused as implausible).
    static func candles(_ n: Int) -> [AnalysisCandle] {
        var out = BacktestStage.candles(n, seed: 2026)
        for i in out.indices { out[i].timestamp = 1_500_000_000 + Double(i) * 60 }
        return out
    }

    /// The original tool's CSV layout `timestamp,open,close,high,low` (epoch seconds, prices in
    /// shortest round-trip form).
    static func csv(_ candles: [AnalysisCandle]) -> [UInt8] {
        var out: [UInt8] = Array("timestamp,open,close,high,low\n".utf8)
        out.reserveCapacity(candles.count * 48)
        for c in candles {
            out += Array("\(Int64(c.timestamp)),\(c.open),\(c.close),\(c.high),\(c.low)\n".utf8)
        }
        return out
    }

    /// An archive holding the candles as stored 1-minute candles of one asset.
    static func writeArchive(_ candles: [AnalysisCandle], to directory: String) throws {
        let assets = AssetDirectory()
        let asset = assets.register("BENCH_otc")
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: directory, collect: .candle), assets: assets,
            logger: Logger(label: "bench.analysis"))
        for c in candles {
            try writer.append(
                Candle(
                    asset: asset, timeframe: Timeframe(seconds: 60), start: Int64(c.timestamp), open: c.open,
                    high: c.high, low: c.low, close: c.close, ticks: 1))
        }
        try writer.close()
    }
}
