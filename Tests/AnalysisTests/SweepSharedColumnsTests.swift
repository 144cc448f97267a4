import Backtest
import Indicators
import Testing

/// A sweep's shared `quantum_flux_ta` columns: each distinct indicator computed once, the same
/// signals and rows as every combination run on its own.
@Suite("Sweep shared columns")
struct SweepSharedColumnsTests {
    /// Candles with a repeated and an out-of-order timestamp (which the indicators ignore) and
    /// flat stretches (equal closes, band and EMA ties).
    static func candles(_ count: Int, seed: UInt64) -> [AnalysisCandle] {
        var g = CandleGenerator(seed: seed)
        var candles = g.candles(count, shape: .zigzag) + g.candles(count / 2, shape: .flatStretches)
        for i in candles.indices { candles[i].timestamp = 1_700_000_000 + Double(i) * 60 }
        if candles.count > 400 {
            candles[300].timestamp = candles[299].timestamp
            candles[350].timestamp = candles[340].timestamp
        }
        return candles
    }

    /// Test: the columns' signals equal the strategy's own for varied parameter sets.
    @Test("the columns' signals equal quantum_flux_ta's own, parameter set by parameter set")
    func signalsEqualTheStrategy() {
        let candles = Self.candles(3000, seed: 71)
        var sets: [QuantumFluxTA.Parameters] = []
        for (name, values) in [
            ("rsi.period", [2.0, 9, 14]), ("rsi.low", [25.0, 45]), ("rsi.high", [55.0, 75]),
            ("macd.fast", [5.0, 30]), ("bbands.period", [2.0, 20]), ("bbands.k", [0.5, 2.5]),
            ("ema.slow", [3.0, 50]), ("threshold", [0.2, 0.6, 0.9]),
        ] {
            for v in values {
                var p = QuantumFluxTA.Parameters()
                #expect(p.set(name, v) == nil)
                sets.append(p)
            }
        }
        var columns = QuantumFluxTAColumns(count: candles.count)
        for job in QuantumFluxTAColumns.jobs(for: sets) {
            columns.add(QuantumFluxTAColumns.compute(job, candles: candles))
        }
        var signalled = 0
        for p in sets {
            for window in [1, 50, 4000] {
                let expected = QuantumFluxTA(parameters: p).signals(for: candles, window: window)
                #expect(columns.signals(for: p, window: window) == expected, "\(p), window \(window)")
                signalled += expected.filter { $0 != nil }.count
            }
        }
        #expect(signalled > 0)
        // A set whose columns were not computed has none.
        var other = QuantumFluxTA.Parameters()
        other.rsiPeriod = 99
        #expect(columns.signals(for: other, window: 50) == nil)
    }

    /// Test: fewer candles than the indicators' lookback give no signal and no trade.
    @Test("fewer candles than the lookback: no signals")
    func shortSeries() {
        let candles = Self.candles(20, seed: 72)
        let p = QuantumFluxTA.Parameters()
        var columns = QuantumFluxTAColumns(count: candles.count)
        for job in QuantumFluxTAColumns.jobs(for: [p]) {
            columns.add(QuantumFluxTAColumns.compute(job, candles: candles))
        }
        let signals = columns.signals(for: p, window: 1)
        #expect(signals == QuantumFluxTA(parameters: p).signals(for: candles, window: 1))
        #expect(signals?.allSatisfy { $0 == nil } == true)
    }

    /// Test: a sweep's rows (statistics and extended statistics) equal single runs of every
    /// combination, with options swept too, on all cores, on one, and in one-combination batches.
    @Test("sweep rows equal every combination run alone (all cores, one core, smallest batches)")
    func rowsEqualSingleRuns() throws {
        let candles = Self.candles(2500, seed: 73)
        var options = BacktestOptions()
        options.ties = .refund
        for fill in [FillRule.original, .live] {
            options.fill = fill
            var sweep = Sweep(
                parameters: [
                    try SweepParameter.parse("rsi.period=5..8"), try SweepParameter.parse("bbands.k=1.5,2"),
                    try SweepParameter.parse("threshold=0.5,0.7"), try SweepParameter.parse("expiry=1,3"),
                    try SweepParameter.parse("window=30,60"),
                ], options: options, metric: .sharpe)
            let factory: Sweep.Factory = { StrategyCatalog.make(name: "quantum_flux_ta", parameters: $0) }
            let alone = (0..<sweep.combinationCount).map { sweep.runOne($0, candles: candles, factory: factory) }
            #expect(alone.allSatisfy { $0.error == nil })
            #expect(alone.contains { ($0.statistics?.totalTrades ?? 0) > 0 })
            let byIndex: ([SweepRow]) -> [SweepRow] = { $0.sorted { $0.index < $1.index } }
            #expect(byIndex(sweep.run(candles: candles, factory: factory)) == alone)
            #expect(byIndex(sweep.run(candles: candles, factory: factory, parallel: false)) == alone)
            sweep.columnBudget = 1
            #expect(byIndex(sweep.run(candles: candles, factory: factory)) == alone)
        }
    }

    /// Test: a failing combination keeps its error row beside the shared ones.
    @Test("bad combinations keep their error rows beside shared ones")
    func errorsBesideShared() throws {
        let candles = Self.candles(800, seed: 74)
        let sweep = Sweep(parameters: [
            SweepParameter(name: "rsi.period", values: [1, 7, 14]), SweepParameter(name: "expiry", values: [1, 1.5]),
        ])
        let factory: Sweep.Factory = { StrategyCatalog.make(name: "quantum_flux_ta", parameters: $0) }
        let rows = sweep.run(candles: candles, factory: factory).sorted { $0.index < $1.index }
        let alone = (0..<sweep.combinationCount).map { sweep.runOne($0, candles: candles, factory: factory) }
        #expect(rows == alone)
        #expect(rows.filter { $0.error != nil }.count == 4)
        #expect(rows[0].error?.contains("rsi.period must be a whole number >= 2") == true)
        #expect(rows[1].error?.contains("expiry must be a whole number") == true)
    }
}
