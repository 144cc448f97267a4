import Backtest
import Indicators
import Testing

/// The corrected variant on real indicators.
@Suite("quantum_flux_ta")
struct QuantumFluxTATests {
    /// Test: signals follow the documented score on TA-Lib-equal indicators.
    @Test("signals follow the documented score on TA-Lib-equal indicators")
    func score() {
        var g = CandleGenerator(seed: 61)
        let candles = g.candles(4000, shape: .zigzag)
        let s = QuantumFluxTA().signals(for: candles, window: 50)
        var rsi = RSI(period: 14), macd = MACD(fast: 12, slow: 26, signal: 9),
            bb = BollingerBands(period: 20, up: 2, down: 2)
        var f = EMA(period: 12), w = EMA(period: 26)
        for (i, c) in candles.enumerated() {
            let r = rsi.push(c), m = macd.push(c), b = bb.push(c), e1 = f.push(c), e2 = w.push(c)
            guard i >= 50, let r, let m, let b, let e1, let e2 else {
                #expect(s[i] == nil)
                continue
            }
            var score = 0.0
            if r < 30 { score += 0.4 } else if r > 70 { score -= 0.4 }
            score += m.hist > 0 ? 0.3 : -0.3
            if c.close < b.lower { score += 0.3 } else if c.close > b.upper { score -= 0.3 }
            score += e1 > e2 ? 0.2 : -0.2
            score = max(-1, min(1, score))
            let expected: TradeSignal? = abs(score) >= 0.6 ? (score > 0 ? .call : .put) : nil
            #expect(s[i] == expected, "candle \(i)")
        }
        #expect(s.contains(.call) && s.contains(.put))
        let r = Backtester.run(candles: candles, strategy: QuantumFluxTA())
        #expect(r.strategy == "quantum_flux_ta" && r.statistics.totalTrades > 0)
    }
}
