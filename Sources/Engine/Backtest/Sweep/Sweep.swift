import Dispatch
import Indicators
import Synchronization
import TextWriters
import ThreadSupport

/// Runs a backtest for every combination of parameter values, on all cores.
///
/// Parameters named `payout`, `stake` (fraction), `expiry`, `window` and `balance` change the
/// backtest options; every other name goes to the strategy (`rsi.period` for `quantum_flux_ta`,
/// `$name`s of rules). Results are deterministic: sorted by the metric (best first), ties by
/// combination index.
package struct Sweep: Sendable {
    /// Builds the strategy for one combination's strategy parameters.
    package typealias Factory = @Sendable ([String: Double]) -> Result<any SignalStrategy, StrategyError>

    /// Swept parameters (cartesian product, first varies slowest).
    package var parameters: [SweepParameter]
    /// Options the combinations start from.
    package var options: BacktestOptions
    /// Sort key.
    package var metric: SweepMetric

    /// Option names a sweep may change.
    package static let optionNames = ["payout", "stake", "expiry", "window", "balance"]

    /// Creates a sweep.
    package init(
        parameters: [SweepParameter], options: BacktestOptions = BacktestOptions(), metric: SweepMetric = .endingBalance
    ) {
        self.parameters = parameters
        self.options = options
        self.metric = metric
    }

    /// Number of combinations.
    package var combinationCount: Int { parameters.reduce(1) { $0 * $1.values.count } }

    /// The values of combination `index`.
    package func combination(_ index: Int) -> [Double] {
        var rest = index
        var values = [Double](repeating: 0, count: parameters.count)
        for k in stride(from: parameters.count - 1, through: 0, by: -1) {
            let n = parameters[k].values.count
            values[k] = parameters[k].values[rest % n]
            rest /= n
        }
        return values
    }

    /// Runs one combination.
    package func runOne(_ index: Int, candles: [AnalysisCandle], factory: Factory) -> SweepRow {
        let values = combination(index)
        var opts = options
        var strategyParameters: [String: Double] = [:]
        for (p, v) in zip(parameters, values) {
            switch p.name {
            case "payout": opts.payout = v
            case "stake": opts.stake = .fraction(v)
            case "expiry", "window":
                // Checked: Int(x) of a fraction is truncated and of 1e300 traps.
                guard let n = Int(exactly: v) else {
                    return SweepRow(
                        index: index, values: values, error: "\(p.name) must be a whole number of candles, got \(v)")
                }
                if p.name == "expiry" { opts.expiry = n } else { opts.window = n }
            case "balance": opts.startingBalance = v
            default: strategyParameters[p.name] = v
            }
        }
        if let problem = opts.validate() { return SweepRow(index: index, values: values, error: problem) }
        switch factory(strategyParameters) {
        case .failure(let e):
            return SweepRow(index: index, values: values, error: e.message)
        case .success(let strategy):
            let r = Backtester.run(candles: candles, strategy: strategy, options: opts)
            return SweepRow(index: index, values: values, statistics: r.statistics, extended: ExtendedStatistics(r))
        }
    }

    /// Runs every combination across all cores; `progress(done, total)` is called after each one
    /// (from worker threads). Returns rows sorted best first.
    package func run(
        candles: [AnalysisCandle], factory: @escaping Factory,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> [SweepRow] {
        let total = combinationCount
        let rows = Locked([SweepRow?](repeating: nil, count: total))
        let done = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: total) { i in
            let row = runOne(i, candles: candles, factory: factory)
            rows.withLock { $0[i] = row }
            let n = done.add(1, ordering: .relaxed).newValue
            progress?(n, total)
        }
        let all = rows.withLock { $0.compactMap { $0 } }
        let m = metric
        return all.sorted { a, b in
            let x = m.score(a)
            let y = m.score(b)
            return x != y ? x > y : a.index < b.index
        }
    }

    /// Rows as a plain-text table: rank, parameters, trades, win rate, ending balance, profit %,
    /// max drawdown %, profit factor, SQN.
    package func table(_ rows: [SweepRow]) -> String {
        var header =
            ["rank"] + parameters.map(\.name) + [
                "trades", "win_rate", "ending_balance", "profit_%", "max_dd_%", "profit_factor", "sqn",
            ]
        var lines: [[String]] = []
        for (rank, r) in rows.enumerated() {
            var cells = ["\(rank + 1)"] + r.values.map(formatNumber)
            if let s = r.statistics, let x = r.extended {
                cells += [
                    "\(s.totalTrades)", fixed(s.winRate, 2), fixed(s.endingBalance, 2), fixed(s.profitPercentage, 2),
                    fixed(x.maxDrawdownPercent, 2), x.profitFactor.map { fixed($0, 3) } ?? "–",
                    x.sqn.map { fixed($0, 3) } ?? "–",
                ]
            } else {
                cells += ["error: " + (r.error ?? "?")]
            }
            lines.append(cells)
        }
        var widths = header.map(\.count)
        for l in lines {
            for (i, c) in l.enumerated() where i < widths.count { widths[i] = Swift.max(widths[i], c.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i < widths.count ? String(repeating: " ", count: widths[i] - c.count) + c : c
            }.joined(separator: "  ")
        }
        header = header.map { $0 }
        return ([render(header)] + lines.map(render)).joined(separator: "\n") + "\n"
    }

    /// Rows as JSON: `{metric, parameters:[names], results:[{rank, parameters:{name:value}, statistics, extended | error}]}`.
    package func json(_ rows: [SweepRow]) -> String {
        var w = JSONWriter()
        w.raw("{\"metric\":"); w.string(metric.rawValue)
        w.raw(",\"parameters\":[")
        w.json(parameters.map { JSONWriter.quote($0.name) }.joined(separator: ","))
        w.raw("],\"results\":[")
        for (rank, r) in rows.enumerated() {
            if rank > 0 { w.raw(",") }
            w.raw("{\"rank\":"); w.int(rank + 1)
            w.raw(",\"parameters\":{")
            for (k, p) in parameters.enumerated() {
                if k > 0 { w.raw(",") }
                w.string(p.name); w.raw(":"); w.float(r.values[k])
            }
            w.raw("}")
            if let s = r.statistics, let x = r.extended {
                w.raw(",\"statistics\":"); w.statistics(s)
                w.raw(",\"extended\":"); w.json(x.json())
            } else {
                w.raw(",\"error\":"); w.string(r.error ?? "")
            }
            w.raw("}")
        }
        w.raw("]}")
        return w.text
    }
}
