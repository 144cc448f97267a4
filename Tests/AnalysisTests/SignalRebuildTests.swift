import Backtest
import Indicators
import Signals
import Testing

/// Rebuilding a stream's evaluations after older candles arrive: a kept candle taken in without
/// deciding (`warm`) leaves the evaluation as a push does, and a whole history snapshot costs one
/// rebuild whose later signals equal a fresh start on the kept candles.
@Suite("Signal rebuilds")
struct SignalRebuildTests {
    static let rules = "call: rsi(14) < 45 and close < bbands(20,2).lower\nput: rsi(14) > 55"

    static func specs() throws -> [SignalSpec] {
        var p = QuantumFluxTA.Parameters()
        p.threshold = 0.4
        return [
            try SignalSpec.parse("quantum_flux"),
            SignalSpec(label: "quantum_flux_ta", kind: .quantumFluxTA(p), timeframe: nil),
            try SignalSpec.parse("rules:r") { _ in Self.rules },
        ]
    }

    /// Test: for each strategy, warming with the first candles then pushing the rest decides as
    /// pushing every candle does, from the first decision on.
    @Test("warm leaves an evaluation as push does", arguments: [0, 1, 2])
    func warmEqualsPush(strategy: Int) throws {
        let spec = try Self.specs()[strategy]
        let candles = SignalEngineTests.candlesWithGaps(seed: 31, count: 600)
        let pushed = spec.makeEvaluator(window: 50)
        let warmed = spec.makeEvaluator(window: 50)
        var decided = 0
        for (k, c) in candles.enumerated() {
            let a = pushed.push(c)
            if k < 200 {
                warmed.warm(c)
            } else {
                #expect(warmed.push(c) == a, "candle \(k)")
                if a != nil { decided += 1 }
            }
        }
        #expect(decided > 0)
    }

    /// Feeds candles to `engine` as one asset's 1m stream.
    static func feed(_ engine: SignalEngine, _ candles: some Sequence<AnalysisCandle>) {
        for c in candles {
            engine.candleClosed(
                asset: 1, name: "A", timeframe: 60, start: Int64(c.timestamp), open: c.open, high: c.high, low: c.low,
                close: c.close)
        }
    }

    /// Test: a history snapshot older than the first live candle: one rebuild, and the signals
    /// after it equal those of an engine started fresh on the kept candles (the last
    /// ``SignalLimits/keptCandles`` up to the live one) – for every strategy.
    @Test(
        "A history snapshot: one rebuild, later signals equal a fresh start on the kept candles", arguments: [0, 1, 2])
    func snapshotRebuildsOnce(strategy: Int) throws {
        let spec = try Self.specs()[strategy]
        let candles = SignalEngineTests.candlesWithGaps(seed: 41, count: 900)
        let first = 400
        var live: [Signal] = []
        let engine = try SignalEngine(specs: [spec]) { if case .signal(let s) = $0 { live.append(s) } }
        Self.feed(engine, [candles[first]])
        Self.feed(engine, candles[..<first])  // the history snapshot, oldest first
        Self.feed(engine, candles[(first + 1)...])
        #expect(engine.counters.outOfOrder == first)
        #expect(engine.counters.rebuilds == 1)
        var fresh: [Signal] = []
        let restarted = try SignalEngine(specs: [spec]) { if case .signal(let s) = $0 { fresh.append(s) } }
        Self.feed(restarted, candles[(first + 1 - SignalLimits().keptCandles)...])
        let after = Int64(candles[first].timestamp) + 60
        let expected = fresh.filter { $0.time > after }
        #expect(!expected.isEmpty)
        #expect(live.map(\.time) == expected.map(\.time))
        #expect(live.map(\.direction) == expected.map(\.direction))
        #expect(live.map(\.indicators) == expected.map(\.indicators))
    }
}
