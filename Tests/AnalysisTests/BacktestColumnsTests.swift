import Backtest
import Indicators
import Testing

/// `Backtester.run(columns:…)` (the CSV path of `qflux backtest`: strategy on the columns,
/// quantum_flux on two threads from 20,000 decisions on) against `run(candles:…)` on the rows.
@Suite("Backtest on candle columns")
struct BacktestColumnsTests {
    /// Test: quantum_flux (one and two threads), quantum_flux_ta and a rules strategy, with the
    /// original and the live fill: the result on the columns equals the result on the rows.
    @Test("the same result as on the rows", arguments: [300, 50_000])
    func sameResult(count: Int) throws {
        var g = CandleGenerator(seed: UInt64(count))
        let candles = g.candles(count, shape: .walk)
        let columns = CandleColumns(candles)
        let strategies: [any SignalStrategy] = [
            QuantumFlux(),
            try StrategyCatalog.make(name: "quantum_flux_ta").get(),
            try StrategyCatalog.make(rules: "call: rsi(14) < 30; put: rsi(14) > 70").get(),
        ]
        for strategy in strategies {
            for fill in FillRule.allCases {
                var options = BacktestOptions()
                options.fill = fill
                let rows = Backtester.run(candles: candles, strategy: strategy, options: options)
                let cols = Backtester.run(columns: columns, strategy: strategy, options: options)
                #expect(count < 50_000 || rows.statistics.totalTrades > 0, "\(strategy.name) \(fill)")
                #expect(rows == cols, "\(strategy.name) \(fill)")
            }
        }
        #expect(QuantumFlux().signals(for: columns, window: 50) == QuantumFlux().signals(for: candles, window: 50))
    }
}
