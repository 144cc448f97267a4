/// Bollinger bands of closes, equal to TA-Lib `BBANDS(close, period, up, down, SMA)`.
///
/// Middle = TA-Lib's SMA (running sum). The population standard deviation follows TA-Lib 0.8's
/// cancellation-free variance: sums of `x - shift` and `(x - shift)²` with a running shift that is
/// re-seeded to the window mean (an O(period) pass) every `32 * period` candles, or when the
/// variance becomes small against the mean square or a leaving value dwarfs the remaining sum —
/// the same operations in the same order, so the bands are bit-identical to TA-Lib's.
package struct BollingerBands: StreamingIndicator {
    /// The three bands.
    package struct Value: Sendable, Equatable {
        /// `middle + stddev * up`.
        package var upper: Double
        /// The SMA.
        package var middle: Double
        /// `middle - stddev * down`.
        package var lower: Double
    }

    /// Window length.
    package let period: Int
    /// Upper multiplier.
    package let up: Double
    /// Lower multiplier.
    package let down: Double
    private let inverse: Double
    private var sma: SMACore
    private var ring: DoubleRing
    private var variance = VarianceState()
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Value?

    /// The shifted sums.
    package struct VarianceState: Sendable {
        fileprivate var shift = 0.0
        fileprivate var total1 = 0.0
        fileprivate var total2 = 0.0
        fileprivate var barsSinceReseed = 0
    }

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var sma: SMACore.Step
        fileprivate var variance: VarianceState
        fileprivate var output: Value?
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int, up: Double, down: Double) {
        self.period = period
        self.up = up
        self.down = down
        inverse = 1.0 / Double(period)
        sma = SMACore(period: period)
        ring = DoubleRing(capacity: period - 1)
        variance.barsSinceReseed = 32 * period
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        let s = sma.step(x)
        var v = variance
        if count == 0 { v.shift = x }
        var t = x - v.shift
        v.total1 += t
        t *= t
        v.total2 += t
        guard let mid = s.output else { return Step(sma: s, variance: v, output: nil) }
        var mean1 = v.total1 * inverse
        var value = v.total2 * inverse - mean1 * mean1
        let trailing = ring.oldest
        var tt = trailing - v.shift
        v.total1 -= tt
        tt *= tt
        v.total2 -= tt
        v.barsSinceReseed -= 1
        if value < 0.000001 * (v.total2 * inverse) || tt > 1000000.0 * v.total2 || v.barsSinceReseed <= 0 {
            v.barsSinceReseed = 32 * period
            var sum = 0.0
            for k in 0..<(period - 1) { sum += ring.value(back: period - 2 - k) }
            sum += x
            v.shift = sum * inverse
            v.total1 = 0
            v.total2 = 0
            for k in 0..<period {
                var d = (k < period - 1 ? ring.value(back: period - 2 - k) : x) - v.shift
                v.total1 += d
                d *= d
                v.total2 += d
            }
            mean1 = v.total1 * inverse
            value = v.total2 * inverse - mean1 * mean1
            var d = trailing - v.shift
            v.total1 -= d
            d *= d
            v.total2 -= d
        }
        let sd = TA.isZeroOrNegative(value) ? 0.0 : value.squareRoot()
        let out: Value
        if up == down {
            let w = sd * up
            out = Value(upper: mid + w, middle: mid, lower: mid - w)
        } else {
            out = Value(upper: mid + sd * up, middle: mid, lower: mid - sd * down)
        }
        return Step(sma: s, variance: v, output: out)
    }

    /// The step's bands.
    package func output(of step: Step) -> Value? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        sma.commit(step.sma, candle.close)
        variance = step.variance
        ring.append(candle.close)
        count += 1
    }
}
