import Backtest
import Indicators
import Testing

/// Indicator and backtest math on finite but huge (or tiny, or negative) values never traps
/// (issue 28, defect 3c): every indicator, every strategy, the statistics and every output form
/// run over candles priced up to the largest Double and timed up to 1e300 s. Values may be
/// infinite or NaN (written as null), never a crash.
@Suite("Huge values in indicators and backtests")
struct HugeValueMathTests {
    static let allIndicators =
        "sma(5),ema(5),wma(5),rsi(5),macd(3,6,2),bbands(5,2),stoch(5,3,3),atr(5),cci(5),willr(5),roc(5),adx(5),supertrend(5,3)"

    /// Candles whose prices cycle through extreme magnitudes and signs, at times `start + i × step`.
    static func hostile(count: Int, start: Double, step: Double) -> [AnalysisCandle] {
        let prices: [Double] = [
            1e300, 1.7976931348623157e308, 1e-300, Double.leastNonzeroMagnitude, -1e300, 1, 0, -1.7976931348623157e308,
            1e308, 2,
        ]
        return (0..<count).map { i in
            let p = prices[i % prices.count], q = prices[(i * 7 + 3) % prices.count]
            return AnalysisCandle(
                timestamp: start + Double(i) * step, open: p, high: max(p, q), low: min(p, q), close: q,
                volume: i % 3 == 0 ? 1e308 : 1000)
        }
    }

    @Test(
        "every indicator, strategy, statistic and output survives huge values",
        arguments: [
            (0.0, 60.0), (1e15, 1e10), (9.2e18, 1e15), (1e300, 1e290),
        ])
    func hugeValues(_ start: Double, _ step: Double) throws {
        let candles = Self.hostile(count: 400, start: start, step: step)
        let table = try IndicatorTable.compute(candles, spec: Self.allIndicators)
        #expect(table.timestamps.count == 400)
        #expect(!table.csv().isEmpty)
        let rules =
            "call: rsi(5) < 30 and close crosses_above sma(5) / 2 * -1 or volume > 1e307; put: cci(5) > 100 or willr(5) < -80"
        let strategies: [any SignalStrategy] = [
            try StrategyCatalog.make(name: "quantum_flux").get(),
            try StrategyCatalog.make(name: "quantum_flux_ta").get(),
            try RuleStrategy(source: rules),
        ]
        for strategy in strategies {
            for balance in [10_000.0, 1e308] {
                var options = BacktestOptions()
                options.startingBalance = balance
                options.window = 20
                let result = Backtester.run(candles: candles, strategy: strategy, options: options)
                let extended = ExtendedStatistics(result)
                #expect(!BacktestJSON.encode(result, timestamps: .text, extended: extended).isEmpty)
                #expect(!BacktestJSON.encode(result, timestamps: .epochSeconds, extended: extended).isEmpty)
                #expect(!extended.json().isEmpty)
                #expect(!HTMLReport.render(result).isEmpty)
                #expect(!TradesCSV.render(result).isEmpty)
            }
        }
    }

    /// Test: a sweep of expiry / window over huge or fractional values gives error rows, not a
    /// trap (Int(1e300)).
    @Test("sweeping expiry or window over huge values gives error rows")
    func sweepHugeCounts() throws {
        var g = CandleGenerator(seed: 8)
        let candles = g.candles(200, shape: .walk)
        let sweep = Sweep(
            parameters: [try SweepParameter.parse("expiry=1,1e300,2.5"), try SweepParameter.parse("window=50,1e300")],
            metric: .endingBalance)
        let rows = sweep.run(candles: candles, factory: { StrategyCatalog.make(name: "quantum_flux", parameters: $0) })
        #expect(rows.count == 6)
        #expect(rows.filter { $0.error == nil }.count == 1, "\(rows.map(\.error))")
        #expect(rows.contains { $0.error?.contains("expiry must be a whole number") == true })
        #expect(rows.contains { $0.error?.contains("window must be a whole number") == true })
    }

    /// Test: TimestampParser.format writes any Double (the server's trade times).
    @Test("TimestampParser.format writes any Double")
    func formatAnyTime() {
        #expect(TimestampParser.format(1_756_866_000) == "2025-09-03 02:20:00")
        for t in [1e300, -1e300, .infinity, -.infinity, .nan, 9.3e18, -9.3e18, 1e15] {
            #expect(!TimestampParser.format(t).isEmpty)
        }
    }
}
