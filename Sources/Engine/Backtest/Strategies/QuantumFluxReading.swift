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
                weights26.withUnsafeBufferPointer { w26 in reading(closes: p, end: end, w12: w12, w26: w26) }
            }
        }
    }
}
