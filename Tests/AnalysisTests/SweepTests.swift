import Backtest
import Indicators
import Synchronization
import Testing

/// Parameter sweeps: range syntax, determinism, progress, and equality with single runs.
@Suite("Parameter sweeps")
struct SweepTests {
    /// Test: range syntax.
    @Test("range syntax")
    func ranges() throws {
        #expect(try SweepParameter.parse("rsi.period=7..21").values == (7...21).map(Double.init))
        #expect(try SweepParameter.parse("rsi.period=7..21:2").values == [7, 9, 11, 13, 15, 17, 19, 21])
        #expect(try SweepParameter.parse("bbands.k=1.5,2,2.5").values == [1.5, 2, 2.5])
        #expect(try SweepParameter.parse("payout=0.7..0.9:0.1").values.count == 3)
        #expect(throws: SweepError.self) { try SweepParameter.parse("rsi.period") }
        #expect(throws: SweepError.self) { try SweepParameter.parse("rsi.period=9..3") }
        #expect(throws: SweepError.self) { try SweepParameter.parse("rsi.period=a,b") }
    }

    /// Test: every combination runs, in parallel, deterministically sorted, equal to single runs.
    @Test("every combination runs, in parallel, deterministically sorted, equal to single runs")
    func run() throws {
        var g = CandleGenerator(seed: 51)
        let candles = g.candles(3000, shape: .zigzag)
        let sweep = Sweep(
            parameters: [
                try SweepParameter.parse("rsi.period=7..13:3"), try SweepParameter.parse("bbands.k=1.5,2"),
                try SweepParameter.parse("payout=0.8,0.9"),
            ], metric: .endingBalance)
        #expect(sweep.combinationCount == 12)
        let calls = Atomic<Int>(0)
        let factory: Sweep.Factory = { StrategyCatalog.make(name: "quantum_flux_ta", parameters: $0) }
        let rows = sweep.run(candles: candles, factory: factory) { done, total in
            calls.add(1, ordering: .relaxed)
            #expect(done <= total && total == 12)
        }
        #expect(calls.load(ordering: .relaxed) == 12)
        #expect(rows.count == 12 && rows.allSatisfy { $0.error == nil })
        let again = sweep.run(candles: candles, factory: factory)
        #expect(rows == again)
        for (a, b) in zip(rows, rows.dropFirst()) {
            #expect(a.statistics!.endingBalance >= b.statistics!.endingBalance)
        }
        let best = rows[0]
        var p = QuantumFluxTA.Parameters()
        _ = p.set("rsi.period", best.values[0])
        _ = p.set("bbands.k", best.values[1])
        var o = BacktestOptions()
        o.payout = best.values[2]
        let single = Backtester.run(candles: candles, strategy: QuantumFluxTA(parameters: p), options: o)
        #expect(single.statistics == best.statistics)
        #expect(sweep.table(rows).split(separator: "\n").count == 13)
        #expect(sweep.json(rows).hasPrefix("{\"metric\":\"ending_balance\""))
    }

    /// Test: rules parameters and bad values are reported per combination.
    @Test("rules parameters and bad values are reported per combination")
    func rulesAndErrors() throws {
        var g = CandleGenerator(seed: 52)
        let candles = g.candles(1500, shape: .walk)
        let rules = "call: rsi($n) < $lo ; put: rsi($n) > 100 - $lo"
        let sweep = Sweep(
            parameters: [
                SweepParameter(name: "n", values: [1, 7, 14]), SweepParameter(name: "lo", values: [25, 35]),
            ], metric: .totalTrades)
        let rows = sweep.run(candles: candles, factory: { StrategyCatalog.make(rules: rules, parameters: $0) })
        #expect(rows.count == 6)
        #expect(rows.filter { $0.error != nil }.count == 2)
        #expect(rows.last?.error?.contains("rsi: period must be at least 2") == true)
        #expect(StrategyCatalog.make(name: "nope").failureMessage == "Unknown strategy: nope")
    }
}

extension Result where Failure == StrategyError {
    /// The error message, if any.
    var failureMessage: String? {
        if case .failure(let e) = self { return e.message }
        return nil
    }
}
