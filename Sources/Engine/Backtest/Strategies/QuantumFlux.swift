import Dispatch
import Indicators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// The original tool's `quantum_flux` strategy, reproduced exactly (analysis.md §2).
///
/// Decision at candle i from the closes of the `window` candles before it (fewer than 50: none).
/// Every quantity is computed with the original's operations in the original's order:
/// - `ema_q(p, n)`: weights `exp(-1 + i/(n-1))` divided by their sum (added i = 0 first); value
///   `Σ_{m=0}^{n-1} p[len-1-m] * w[m]`, added m = 0 first (smallest weight on the newest price);
/// - `rsi_q(p, 14)`: plain means of the last 14 gains and losses, `100 - 100/(1 + g/l)`, 100 when l = 0;
/// - MACD `= ema_q(12) - ema_q(26)`, hist `= macd - macd * 0.9`;
/// - Bollinger: mean of the last 20 closes (sum / 20), population deviation
///   `sqrt(Σ (x - m)(x - m) / 20)`, bands `m ± sd * 2.0`;
/// - score `0.0 (+/-0.4 RSI) (+/-0.3 hist) (+/-0.3 bands) (+/-0.2 trend)`, clipped to [-1, 1];
///   a signal needs `|score| >= 0.2` for a direction and `min(|score|, 1) >= 0.6` to count.
///
/// No allocation per candle: the closes are read in place.
package struct QuantumFlux: SignalStrategy {
    /// `quantum_flux`.
    package var name: String { "quantum_flux" }

    /// Signal i is decided from the closes before candle i.
    package var decisionLag: Int { 1 }

    /// Normalised `ema_q` weights for 12 closes.
    package static let weights12 = weights(12)
    /// Normalised `ema_q` weights for 26 closes.
    package static let weights26 = weights(26)

    /// Creates the strategy.
    package init() {}

    /// `w[i] = exp(-1 + i/(n-1))`, each divided by their sum (added in index order).
    package static func weights(_ n: Int) -> [Double] {
        let raw = (0..<n).map { exp(-1 + Double($0) / Double(n - 1)) }
        var total = 0.0
        for x in raw { total += x }
        return raw.map { $0 / total }
    }

    /// Signals for every candle (see the type's description).
    package func signals(for candles: [AnalysisCandle], window: Int) -> [TradeSignal?] {
        signals(closes: candles.map(\.close), window: window)
    }

    /// Signals for every candle of the columns: their closes, read in place.
    package func signals(for columns: CandleColumns, window: Int) -> [TradeSignal?] {
        signals(closes: columns.closes, window: window)
    }

    /// Signals for every close (see the type's description).
    package func signals(closes: [Double], window: Int) -> [TradeSignal?] {
        var out = [TradeSignal?](repeating: nil, count: closes.count)
        guard window >= 50, closes.count > window else { return out }
        let w12 = Self.weights12
        let w26 = Self.weights26
        closes.withUnsafeBufferPointer { p in
            w12.withUnsafeBufferPointer { a in
                w26.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { o in
                        let n = p.count
                        guard n - window >= Self.splitAbove else {
                            return Self.decide(o, from: window, to: n, closes: p, w12: a, w26: b)
                        }
                        // Two halves on two threads: every signal depends on the closes alone.
                        let middle = window + (n - window) / 2 / 4 * 4
                        let shared = SignalBuffers(out: o, closes: p, w12: a, w26: b)
                        DispatchQueue.concurrentPerform(iterations: 2) { half in
                            let s = shared
                            Self.decide(
                                s.out, from: half == 0 ? window : middle, to: half == 0 ? middle : n, closes: s.closes,
                                w12: s.w12, w26: s.w26)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Decisions from which signals are worked out on two threads.
    static let splitAbove = 20_000

    /// Signals `from..<to` into `o`: four windows at a time (the same bits per lane), then the
    /// rest one by one.
    @inline(__always)
    static func decide(
        _ o: UnsafeMutableBufferPointer<TradeSignal?>, from: Int, to: Int, closes p: UnsafeBufferPointer<Double>,
        w12 a: UnsafeBufferPointer<Double>, w26 b: UnsafeBufferPointer<Double>
    ) {
        var i = from
        while i + 4 <= to {
            let lanes = QuantumFluxLanes(closes: p, end: i, w12: a, w26: b)
            for j in 0..<4 { o[i + j] = Self.decide(lanes.score(j)) }
            i += 4
        }
        while i < to {
            o[i] = Self.decide(Self.score(closes: p, end: i, w12: a, w26: b))
            i += 1
        }
    }

    /// The signal for the window of closes ending just before `end` (at least 50 closes before it).
    package static func signal(closes p: UnsafeBufferPointer<Double>, end: Int) -> TradeSignal? {
        weights12.withUnsafeBufferPointer { a in
            weights26.withUnsafeBufferPointer { b in decide(score(closes: p, end: end, w12: a, w26: b)) }
        }
    }

    /// `ema_q` over the closes ending just before `end`, with `w` the normalised weights.
    @inline(__always)
    package static func emaQ(_ p: UnsafeBufferPointer<Double>, end: Int, _ w: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for m in 0..<w.count { s += p[end - 1 - m] * w[m] }
        return s
    }

    /// `rsi_q(p, 14)` over the closes ending just before `end`.
    @inline(__always)
    package static func rsiQ(_ p: UnsafeBufferPointer<Double>, end: Int) -> Double {
        var gains = 0.0
        var losses = 0.0
        var anyGain = false
        var anyLoss = false
        for k in (end - 14)..<end {
            let d = p[k] - p[k - 1]
            if d > 0 {
                gains += d
                anyGain = true
            } else {
                gains += 0.0
            }
            if d < 0 {
                losses += -d
                anyLoss = true
            } else {
                losses += 0.0
            }
        }
        let avgGain = anyGain ? gains / 14 : 0.0
        let avgLoss = anyLoss ? losses / 14 : 0.0
        if avgLoss == 0 { return 100.0 }
        return 100 - 100 / (1 + avgGain / avgLoss)
    }

    /// The clipped score for the closes ending just before `end` (`w12`, `w26`: the normalised weights):
    /// ``reading(closes:end:w12:w26:)``'s score; inlined, the quantities the score does not use are
    /// not kept.
    @inline(__always)
    package static func score(
        closes p: UnsafeBufferPointer<Double>, end: Int,
        w12: UnsafeBufferPointer<Double>, w26: UnsafeBufferPointer<Double>
    ) -> Double {
        reading(closes: p, end: end, w12: w12, w26: w26).score
    }

    /// Every quantity of the decision on the closes ending just before `end`: RSI, the EMAs, the
    /// original's MACD and "signal", the Bollinger band of the last 20 closes, and the score.
    @inline(__always)
    package static func reading(
        closes p: UnsafeBufferPointer<Double>, end: Int,
        w12: UnsafeBufferPointer<Double>, w26: UnsafeBufferPointer<Double>
    ) -> QuantumFluxReading {
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
        let score = combine(rsi: rsi, hist: hist, last: p[end - 1], lower: lower, upper: upper, e12: e12, e26: e26)
        return QuantumFluxReading(
            rsi: rsi, macd: macd, macdSignal: macd * 0.9, macdHistogram: hist, bbUpper: upper, bbMiddle: m,
            bbLower: lower, ema12: e12, ema26: e26, close: p[end - 1], score: score)
    }

    /// The score from the computed quantities, added in the original's order and clipped:
    /// `0.0`, RSI `< 30` +0.4 / `> 70` -0.4, hist `> 0` +0.3 else -0.3, last `< lower` +0.3 /
    /// `> upper` -0.3, `e12 > e26` +0.2 else -0.2. (`0.4 + 0.3 - 0.3 + 0.2` is exactly 0.6, a signal;
    /// `0.4 - 0.3 + 0.3 + 0.2` is 0.6000000000000001.)
    @inline(__always)
    package static func combine(
        rsi: Double, hist: Double, last: Double, lower: Double, upper: Double,
        e12: Double, e26: Double
    ) -> Double {
        var score = 0.0
        if rsi < 30 { score += 0.4 } else if rsi > 70 { score -= 0.4 }
        if hist > 0 { score += 0.3 } else { score -= 0.3 }
        if last < lower { score += 0.3 } else if last > upper { score -= 0.3 }
        if e12 > e26 { score += 0.2 } else { score -= 0.2 }
        return Swift.max(-1.0, Swift.min(1.0, score))
    }

    /// The original's decision for a score: none when `|score| < 0.2`, otherwise the direction
    /// counts only when `min(|score|, 1) >= 0.6`.
    @inline(__always)
    package static func decide(_ s: Double) -> TradeSignal? {
        if abs(s) < 0.2 { return nil }
        let direction: TradeSignal = s > 0 ? .call : .put
        return Swift.min(abs(s), 1.0) >= 0.6 ? direction : nil
    }
}

/// The buffers of ``QuantumFlux/signals(closes:window:)`` handed to its two threads: each writes
/// its own half of `out` and only reads the rest.
private struct SignalBuffers: @unchecked Sendable {
    let out: UnsafeMutableBufferPointer<TradeSignal?>
    let closes: UnsafeBufferPointer<Double>
    let w12: UnsafeBufferPointer<Double>
    let w26: UnsafeBufferPointer<Double>
}
