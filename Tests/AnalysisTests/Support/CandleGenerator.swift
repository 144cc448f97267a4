import Indicators

/// Deterministic pseudo-random candle series for tests (SplitMix64; no platform randomness).
struct CandleGenerator {
    private var state: UInt64

    /// A generator for `seed`.
    init(seed: UInt64) { state = seed }

    /// Next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Roughly normal (sum of 4 uniforms, centred, unit variance).
    mutating func normal() -> Double {
        (uniform() + uniform() + uniform() + uniform() - 2) * 1.7320508075688772
    }

    /// Series shapes.
    enum Shape {
        /// Random walk.
        case walk
        /// Random walk with upward drift.
        case up
        /// Random walk with downward drift.
        case down
        /// Walk with stretches of exactly equal candles.
        case flatStretches
        /// Zigzags with large swings (reaches unusual score combinations).
        case zigzag
    }

    /// `count` candles of `shape` starting at `price`, one per `step` seconds, prices rounded to
    /// `decimals` places (so equal closes happen, as in real quotes).
    mutating func candles(
        _ count: Int, shape: Shape, price start: Double = 1.1, volatility: Double = 0.0008,
        decimals: Int = 5, step: Double = 60, t0: Double = 1_756_000_000
    ) -> [AnalysisCandle] {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        func round(_ x: Double) -> Double { (x * scale).rounded() / scale }
        var out: [AnalysisCandle] = []
        out.reserveCapacity(count)
        var close = round(start)
        var flatLeft = 0
        var zig = 0.0
        for i in 0..<count {
            let open = close
            var move = normal() * volatility * start
            switch shape {
            case .walk: break
            case .up: move += 0.3 * volatility * start
            case .down: move -= 0.3 * volatility * start
            case .flatStretches:
                if flatLeft == 0 && uniform() < 0.02 { flatLeft = 20 + Int(uniform() * 40) }
                if flatLeft > 0 {
                    flatLeft -= 1
                    out.append(
                        AnalysisCandle(timestamp: t0 + Double(i) * step, open: open, high: open, low: open, close: open)
                    )
                    continue
                }
            case .zigzag:
                if i % 7 == 0 { zig = (uniform() < 0.5 ? -1 : 1) * (2 + 6 * uniform()) }
                move += zig * volatility * start
            }
            close = Swift.max(round(open + move), 1 / scale)
            let wick = abs(normal()) * volatility * start * 0.5
            let high = round(Swift.max(open, close) + wick)
            let low = round(Swift.max(Swift.min(open, close) - abs(normal()) * volatility * start * 0.5, 1 / scale))
            out.append(
                AnalysisCandle(
                    timestamp: t0 + Double(i) * step, open: open, high: Swift.max(high, open, close),
                    low: Swift.min(low, open, close), close: close, volume: 1000 + Double(i % 17)))
        }
        return out
    }
}
