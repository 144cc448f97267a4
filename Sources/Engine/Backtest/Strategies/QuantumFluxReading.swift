import Indicators

/// The quantities behind one `quantum_flux` decision (what `generate_signal` reports as its
/// `indicators`), computed with the same operations in the same order as ``QuantumFlux/score(closes:end:w12:w26:)``.
package struct QuantumFluxReading: Sendable, Equatable {
    /// `rsi_q(p, 14)`.
    package var rsi: Double
    /// `ema_q(12) - ema_q(26)`.
    package var macd: Double
    /// The original's MACD "signal": `macd * 0.9`.
    package var macdSignal: Double
    /// `macd - macd * 0.9`.
    package var macdHistogram: Double
    /// Mean of the last 20 closes plus twice their population deviation.
    package var bbUpper: Double
    /// Mean of the last 20 closes.
    package var bbMiddle: Double
    /// Mean of the last 20 closes minus twice their population deviation.
    package var bbLower: Double
    /// `ema_q(p, 12)`.
    package var ema12: Double
    /// `ema_q(p, 26)`.
    package var ema26: Double
    /// The last close.
    package var close: Double
    /// The clipped score (``QuantumFlux/combine(rsi:hist:last:lower:upper:e12:e26:)``).
    package var score: Double

    /// `min(|score|, 1)`: the original's confidence (and strength).
    package var confidence: Double { Swift.min(abs(score), 1.0) }
}

extension QuantumFlux {
    /// The reading on the closes ending just before `end` (at least 50 of them), nil with fewer.
    package static func reading(closes: [Double], end: Int) -> QuantumFluxReading? {
        guard end >= 50, end <= closes.count else { return nil }
        return closes.withUnsafeBufferPointer { p in
            weights12.withUnsafeBufferPointer { w12 in
                weights26.withUnsafeBufferPointer { w26 in
                    let rsi = rsiQ(p, end: end)
                    let e12 = emaQ(p, end: end, w12)
                    let e26 = emaQ(p, end: end, w26)
                    let macd = e12 - e26
                    let hist = macd - macd * 0.9
                    var m = 0.0
                    for k in (end - 20)..<end { m += p[k] }
                    m = m / 20
                    var v = 0.0
                    for k in (end - 20)..<end {
                        let d = p[k] - m
                        v += d * d
                    }
                    let sd = (v / 20).squareRoot()
                    let upper = m + sd * 2.0
                    let lower = m - sd * 2.0
                    let score = combine(
                        rsi: rsi, hist: hist, last: p[end - 1], lower: lower, upper: upper, e12: e12, e26: e26)
                    return QuantumFluxReading(
                        rsi: rsi, macd: macd, macdSignal: macd * 0.9, macdHistogram: hist, bbUpper: upper, bbMiddle: m,
                        bbLower: lower, ema12: e12, ema26: e26, close: p[end - 1], score: score)
                }
            }
        }
    }
}
