import Backtest
import Indicators
import Testing

/// `generate_signal`'s reading is the backtest's score, quantity by quantity.
@Suite("QuantumFlux reading")
struct QuantumFluxReadingTests {
    @Test("the reading's score is the strategy's score at every window end; its quantities are the original's")
    func readingEqualsScore() throws {
        var g = CandleGenerator(seed: 17)
        let closes = g.candles(1500, shape: .zigzag).map(\.close)
        #expect(QuantumFlux.reading(closes: closes, end: 49) == nil)
        var decided = Set<String>()
        for end in 50...closes.count {
            let r = try #require(QuantumFlux.reading(closes: closes, end: end))
            let score = closes.withUnsafeBufferPointer { p in
                QuantumFlux.weights12.withUnsafeBufferPointer { a in
                    QuantumFlux.weights26.withUnsafeBufferPointer { b in
                        QuantumFlux.score(closes: p, end: end, w12: a, w26: b)
                    }
                }
            }
            #expect(r.score.bitPattern == score.bitPattern)
            #expect(r.macdHistogram == r.macd - r.macd * 0.9 && r.macdSignal == r.macd * 0.9)
            #expect(r.close == closes[end - 1] && r.bbLower <= r.bbMiddle && r.bbMiddle <= r.bbUpper)
            decided.insert(QuantumFlux.decide(r.score)?.rawValue ?? "none")
        }
        #expect(decided == ["call", "put", "none"])
    }
}
