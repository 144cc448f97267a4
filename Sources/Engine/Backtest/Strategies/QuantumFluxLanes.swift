import Indicators

/// The quantities of ``QuantumFlux/score(closes:end:w12:w26:)`` for four consecutive windows at
/// once, one per SIMD lane: every lane performs exactly the scalar operations in the scalar
/// order (the sums stay sequential within a lane), so each lane's values are bit for bit the
/// scalar ones – the four dependency chains simply run side by side.
package struct QuantumFluxLanes {
    /// `rsi_q(p, 14)` per lane.
    package var rsi: SIMD4<Double>
    /// MACD histogram per lane.
    package var hist: SIMD4<Double>
    /// Lower Bollinger band per lane.
    package var lower: SIMD4<Double>
    /// Upper Bollinger band per lane.
    package var upper: SIMD4<Double>
    /// `ema_q` over 12 closes per lane.
    package var e12: SIMD4<Double>
    /// `ema_q` over 26 closes per lane.
    package var e26: SIMD4<Double>
    /// The last close of each window.
    package var last: SIMD4<Double>

    /// Closes p[k], p[k+1], p[k+2], p[k+3] (k + 3 < p.count).
    @inline(__always)
    static func load(_ p: UnsafeBufferPointer<Double>, _ k: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p.baseAddress! + k).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// The quantities for the windows ending just before `end`, …, `end + 3` (at least 50 closes
    /// before `end`; `end + 3 <= p.count`).
    @inline(__always)
    package init(
        closes p: UnsafeBufferPointer<Double>, end: Int,
        w12: UnsafeBufferPointer<Double>, w26: UnsafeBufferPointer<Double>
    ) {
        precondition(end >= 50 && end + 3 <= p.count)
        let zero = SIMD4<Double>(repeating: 0)
        // rsi_q: gains and losses added in window order (0.0 added where the scalar adds 0.0).
        var gains = zero
        var losses = zero
        var anyGain = SIMDMask<SIMD4<Int64>>(repeating: false)
        var anyLoss = SIMDMask<SIMD4<Int64>>(repeating: false)
        for k in (end - 14)..<end {
            let d = Self.load(p, k) - Self.load(p, k - 1)
            let up = d .> 0
            let down = d .< 0
            gains += zero.replacing(with: d, where: up)
            losses += zero.replacing(with: -d, where: down)
            anyGain .|= up
            anyLoss .|= down
        }
        let avgGain = zero.replacing(with: gains / 14, where: anyGain)
        let avgLoss = zero.replacing(with: losses / 14, where: anyLoss)
        let ratio = 100 - 100 / (1 + avgGain / avgLoss)
        rsi = ratio.replacing(with: 100, where: avgLoss .== 0)

        var s12 = zero
        for m in 0..<w12.count { s12 += Self.load(p, end - 1 - m) * w12[m] }
        var s26 = zero
        for m in 0..<w26.count { s26 += Self.load(p, end - 1 - m) * w26[m] }
        e12 = s12
        e26 = s26
        let macd = s12 - s26
        hist = macd - macd * 0.9

        var mean = zero
        for k in (end - 20)..<end { mean += Self.load(p, k) }
        mean = mean / 20
        var v = zero
        for k in (end - 20)..<end {
            let d = Self.load(p, k) - mean
            v += d * d
        }
        let sd = (v / 20).squareRoot()
        upper = mean + sd * 2.0
        lower = mean - sd * 2.0
        last = Self.load(p, end - 1)
    }

    /// The clipped score of lane `j` (``QuantumFlux/combine(rsi:hist:last:lower:upper:e12:e26:)``).
    @inline(__always)
    package func score(_ j: Int) -> Double {
        QuantumFlux.combine(
            rsi: rsi[j], hist: hist[j], last: last[j], lower: lower[j], upper: upper[j], e12: e12[j], e26: e26[j])
    }
}
