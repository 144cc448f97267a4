import Indicators

/// One combination of a sweep before it runs: its options and strategy, or why it cannot run.
package enum SweepPlan: Sendable {
    /// Ready to run.
    case ready(index: Int, values: [Double], options: BacktestOptions, strategy: any SignalStrategy)
    /// The combination's row, an error (a bad option or strategy parameter).
    case failed(SweepRow)

    /// The `quantum_flux_ta` parameters of a ready combination of that strategy.
    var quantumFluxTA: QuantumFluxTA.Parameters? {
        guard case .ready(_, _, _, let strategy) = self, let ta = strategy as? QuantumFluxTA else { return nil }
        return ta.parameters
    }
}

extension Sweep {
    /// Combination `index`'s options and strategy: parameters named in ``optionNames`` change the
    /// options, every other goes to `factory`.
    package func plan(_ index: Int, factory: Factory) -> SweepPlan {
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
                    return .failed(
                        SweepRow(
                            index: index, values: values,
                            error: "\(p.name) must be a whole number of candles, got \(v)"))
                }
                if p.name == "expiry" { opts.expiry = n } else { opts.window = n }
            case "balance": opts.startingBalance = v
            default: strategyParameters[p.name] = v
            }
        }
        if let problem = opts.validate() { return .failed(SweepRow(index: index, values: values, error: problem)) }
        switch factory(strategyParameters) {
        case .failure(let e):
            return .failed(SweepRow(index: index, values: values, error: e.message))
        case .success(let strategy):
            return .ready(index: index, values: values, options: opts, strategy: strategy)
        }
    }

    /// Runs a planned combination. A `quantum_flux_ta` combination whose columns are in `shared`
    /// takes its signals from them (the same signals, without computing its indicators again).
    package func execute(_ plan: SweepPlan, candles: [AnalysisCandle], shared: QuantumFluxTAColumns?) -> SweepRow {
        switch plan {
        case .failed(let row):
            return row
        case .ready(let index, let values, let opts, let strategy):
            let result: BacktestResult
            if let shared, let ta = strategy as? QuantumFluxTA,
                let signals = shared.signals(for: ta.parameters, window: opts.window)
            {
                result = Backtester.run(
                    candles: candles, signals: signals, options: opts, strategy: ta.name, decisionLag: ta.decisionLag)
            } else {
                result = Backtester.run(candles: candles, strategy: strategy, options: opts)
            }
            return SweepRow(
                index: index, values: values, statistics: result.statistics, extended: ExtendedStatistics(result))
        }
    }
}
