import Backtest
import Indicators
import Testing

/// ``QuantumFluxLanes`` (four windows per step) against the scalar ``QuantumFlux/score``: the same
/// score bits in every lane, and `signals(for:window:)` equal to the scalar decision per candle.
@Suite("quantum_flux in four lanes")
struct QuantumFluxLanesTests {
    /// Series of every generator shape, plus flat stretches (RSI's no-loss 100 and zero deviations).
    static func series() -> [[Double]] {
        var g = CandleGenerator(seed: 2026)
        var out: [[Double]] = []
        for shape in [CandleGenerator.Shape.walk, .up, .down, .flatStretches, .zigzag] {
            out.append(g.candles(1500, shape: shape).map(\.close))
        }
        return out
    }

    /// Test: each lane's score has the scalar score's bit pattern, at every window end.
    @Test("lane scores: the scalar bits")
    func sameBits() {
        var compared = 0
        for closes in Self.series() {
            closes.withUnsafeBufferPointer { p in
                QuantumFlux.weights12.withUnsafeBufferPointer { a in
                    QuantumFlux.weights26.withUnsafeBufferPointer { b in
                        for end in 50...(p.count - 3) {
                            let lanes = QuantumFluxLanes(closes: p, end: end, w12: a, w26: b)
                            for j in 0..<4 where end + j < p.count {
                                let scalar = QuantumFlux.score(closes: p, end: end + j, w12: a, w26: b)
                                #expect(lanes.score(j).bitPattern == scalar.bitPattern)
                                compared += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(compared > 20_000)
    }

    /// Test: `signals(for:window:)` (lanes, then a scalar tail) decides as the scalar path does
    /// for every candle, for counts that leave every tail length.
    @Test("signals: the scalar decisions")
    func sameSignals() {
        var g = CandleGenerator(seed: 5)
        for count in [51, 52, 53, 54, 55, 1001, 1002, 1003, 1004] {
            let candles = g.candles(count, shape: .walk)
            let closes = candles.map(\.close)
            let signals = QuantumFlux().signals(for: candles, window: 50)
            closes.withUnsafeBufferPointer { p in
                for i in 50..<count {
                    #expect(signals[i] == QuantumFlux.signal(closes: p, end: i))
                }
            }
            #expect(signals[..<50].allSatisfy { $0 == nil })
        }
    }
}
