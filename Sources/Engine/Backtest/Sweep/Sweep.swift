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
    /// Bytes of shared indicator columns `run` holds at a time (one byte per candle and column):
    /// combinations are run in batches whose distinct columns fit (at least one combination).
    package var columnBudget = 64 << 20

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

    /// Runs one combination (on its own: its indicators are computed for it alone).
    package func runOne(_ index: Int, candles: [AnalysisCandle], factory: Factory) -> SweepRow {
        execute(plan(index, factory: factory), candles: candles, shared: nil)
    }

    /// Combinations planned at a time.
    static let planChunk = 1024

    /// Runs every combination, across all cores unless `parallel` is false; `progress(done,
    /// total)` is called after each one (from worker threads). Returns rows sorted best first.
    ///
    /// `quantum_flux_ta` combinations share their indicators: each distinct indicator
    /// (``QuantumFluxTAColumns``) is computed once for all the combinations that read it, in
    /// batches of at most `columnBudget` bytes of columns, then each combination's signals
    /// are a look-up per candle – the same signals as running the strategy alone.
    package func run(
        candles: [AnalysisCandle], factory: @escaping Factory, parallel: Bool = true,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> [SweepRow] {
        let total = combinationCount
        let done = Atomic<Int>(0)
        let maxColumns = Swift.max(1, columnBudget / Swift.max(1, candles.count))
        var all: [SweepRow] = []
        all.reserveCapacity(total)
        var next = 0
        while next < total {
            let first = next
            // Planned on this thread: building a strategy is microseconds (a rules text is
            // compiled, no candle is read), less than waking the workers for it.
            let plans = (0..<Swift.min(Self.planChunk, total - first)).map { k in plan(first + k, factory: factory) }
            next += plans.count
            var start = 0
            while start < plans.count {
                let end = Self.batchEnd(plans, from: start, maxColumns: maxColumns)
                let batch = Array(plans[start..<end])
                start = end
                let shared = Self.sharedColumns(for: batch, candles: candles, parallel: parallel)
                all += Self.map(batch.count, parallel: parallel) { k in
                    let row = execute(batch[k], candles: candles, shared: shared)
                    let n = done.add(1, ordering: .relaxed).newValue
                    progress?(n, total)
                    return row
                }
            }
        }
        let m = metric
        return all.sorted { a, b in
            let x = m.score(a)
            let y = m.score(b)
            return x != y ? x > y : a.index < b.index
        }
    }

    /// The end of the batch that starts at `start`: as many plans as keep the distinct
    /// `quantum_flux_ta` columns within `maxColumns` (at least one plan).
    static func batchEnd(_ plans: [SweepPlan], from start: Int, maxColumns: Int) -> Int {
        var rsi = Set<QuantumFluxTAColumns.RSIKey>()
        var macd = Set<QuantumFluxTAColumns.MACDKey>()
        var bands = Set<QuantumFluxTAColumns.BandsKey>()
        var ema = Set<QuantumFluxTAColumns.EMAKey>()
        var end = start
        while end < plans.count {
            if let p = plans[end].quantumFluxTA {
                let (r, m, b, e) = QuantumFluxTAColumns.keys(p)
                let added =
                    (rsi.contains(r) ? 0 : 1) + (macd.contains(m) ? 0 : 1) + (bands.contains(b) ? 0 : 1)
                    + (ema.contains(e) ? 0 : 1)
                if end > start, rsi.count + macd.count + bands.count + ema.count + added > maxColumns { break }
                rsi.insert(r)
                macd.insert(m)
                bands.insert(b)
                ema.insert(e)
            }
            end += 1
        }
        return end
    }

    /// The columns the batch's `quantum_flux_ta` combinations read, each computed once (nil
    /// when there are none).
    static func sharedColumns(for batch: [SweepPlan], candles: [AnalysisCandle], parallel: Bool)
        -> QuantumFluxTAColumns?
    {
        let sets = batch.compactMap(\.quantumFluxTA)
        guard !sets.isEmpty else { return nil }
        let jobs = QuantumFluxTAColumns.jobs(for: sets)
        let computed = map(jobs.count, parallel: parallel) { QuantumFluxTAColumns.compute(jobs[$0], candles: candles) }
        var columns = QuantumFluxTAColumns(count: candles.count)
        for c in computed { columns.add(c) }
        return columns
    }

    /// `body(0..<count)` in order, computed on all cores (Dispatch hands the indices out as
    /// threads free up) or, with `parallel` false, on this thread.
    static func map<T: Sendable>(_ count: Int, parallel: Bool, _ body: @Sendable (Int) -> T) -> [T] {
        guard parallel, count > 1 else { return (0..<count).map(body) }
        let slots = Locked([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let value = body(i)
            slots.withLock { $0[i] = value }
        }
        return slots.withLock { $0.map { $0! } }
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
