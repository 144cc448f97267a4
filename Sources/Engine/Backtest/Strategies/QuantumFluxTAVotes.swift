/// `quantum_flux_ta`'s score as four votes, one per indicator: what the score depends on at a
/// candle, reduced to a small number each (`+1` call, `-1` put, `0` neither).
///
/// ``QuantumFluxTAStepper`` scores a candle through these functions, and a sweep's shared
/// columns (``QuantumFluxTAColumns``) store the votes of each distinct indicator once and look
/// the score up in a ``QuantumFluxTAScoreTable`` built by the same `score(...)`, so both decide
/// with the same comparisons and the same additions in the same order: the same signals to the
/// last bit of the score.
package enum QuantumFluxTAVote {
    /// RSI below `low`: `+1`; above `high`: `-1`; else `0`.
    @inlinable @inline(__always)
    package static func rsi(_ r: Double, low: Double, high: Double) -> Int8 {
        if r < low { return 1 }
        if r > high { return -1 }
        return 0
    }

    /// MACD histogram above 0: `+1`, else `-1`.
    @inlinable @inline(__always)
    package static func macd(_ histogram: Double) -> Int8 { histogram > 0 ? 1 : -1 }

    /// Close below the lower band: `+1`; above the upper: `-1`; else `0`.
    @inlinable @inline(__always)
    package static func bands(close: Double, lower: Double, upper: Double) -> Int8 {
        if close < lower { return 1 }
        if close > upper { return -1 }
        return 0
    }

    /// Fast EMA above the slow one: `+1`, else `-1`.
    @inlinable @inline(__always)
    package static func ema(fast: Double, slow: Double) -> Int8 { fast > slow ? 1 : -1 }

    /// The clipped score of four votes: RSI ±0.4, MACD ±0.3, bands ±0.3, EMAs ±0.2, added in
    /// this order from 0, then clipped to [-1, 1].
    @inlinable
    package static func score(rsi: Int8, macd: Int8, bands: Int8, ema: Int8) -> Double {
        var score = 0.0
        if rsi > 0 { score += 0.4 } else if rsi < 0 { score -= 0.4 }
        if macd > 0 { score += 0.3 } else { score -= 0.3 }
        if bands > 0 { score += 0.3 } else if bands < 0 { score -= 0.3 }
        if ema > 0 { score += 0.2 } else { score -= 0.2 }
        return Swift.max(-1.0, Swift.min(1.0, score))
    }

    /// The decision for a score: a direction when `|score| >= 0.2` and `>= threshold`.
    @inlinable
    package static func decide(_ score: Double, threshold: Double) -> TradeSignal? {
        if abs(score) < 0.2 || abs(score) < threshold { return nil }
        return score > 0 ? .call : .put
    }
}

/// A stored vote: the vote plus 1 (`0`, `1`, `2`), or ``missing`` before the indicator's first
/// value. Four of them index a ``QuantumFluxTAScoreTable``.
package enum StoredVote {
    /// No value yet (the indicator is within its lookback).
    package static let missing: UInt8 = 3

    /// A vote as stored.
    @inlinable @inline(__always)
    package static func store(_ vote: Int8) -> UInt8 { UInt8(truncatingIfNeeded: vote &+ 1) }
}

/// The signal of every combination of four stored votes for one parameter set (256 entries,
/// `nil` wherever a vote is ``StoredVote/missing``).
package struct QuantumFluxTAScoreTable: Sendable {
    /// Indexed by `rsi << 6 | macd << 4 | bands << 2 | ema` (stored votes).
    package let signals: [TradeSignal?]

    /// The table for a threshold, scored by ``QuantumFluxTAVote/score(rsi:macd:bands:ema:)``.
    package init(threshold: Double) {
        var table = [TradeSignal?](repeating: nil, count: 256)
        for index in 0..<256 {
            let stored = [(index >> 6) & 3, (index >> 4) & 3, (index >> 2) & 3, index & 3]
            guard !stored.contains(Int(StoredVote.missing)) else { continue }
            let v = stored.map { Int8($0) - 1 }
            let score = QuantumFluxTAVote.score(rsi: v[0], macd: v[1], bands: v[2], ema: v[3])
            table[index] = QuantumFluxTAVote.decide(score, threshold: threshold)
        }
        signals = table
    }
}
