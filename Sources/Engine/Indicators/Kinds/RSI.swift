/// Wilder's relative strength index of closes, equal to TA-Lib `RSI(close, period)`.
///
/// Seeds average gain and loss with the plain mean of the first `period` changes, then smooths
/// `avg = (avg * (period - 1) + change) * (1 / period)` (TA-Lib 0.8.1's operations, checked bit
/// for bit by the tests); the value is `100 * (gain / (gain + loss))`
/// (0 when `gain + loss` is exactly 0, as in TA-Lib 0.8).
package struct RSI: StreamingIndicator {
    /// Smoothing period.
    package let period: Int
    private var count = 0
    private var previous = 0.0
    private var gain = 0.0
    private var loss = 0.0
    private let inverse: Double
    /// `Double(period - 1)`, the weight of the previous average.
    private let weight: Double
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var output: Double?
        fileprivate var gain: Double
        fileprivate var loss: Double
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) {
        self.period = period
        inverse = 1.0 / Double(period)
        weight = Double(period - 1)
    }

    /// TA-Lib lookback: `period`.
    package var lookback: Int { period }

    @inline(__always)
    private static func value(gain: Double, loss: Double) -> Double {
        let t = gain + loss
        return t > 0.0 ? 100.0 * (gain / t) : 0.0
    }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        if count == 0 { return Step(output: nil, gain: 0, loss: 0) }
        let d = x - previous
        var g = gain
        var l = loss
        if count <= period {
            if d < 0.0 { l -= d } else { g += d }
            if count < period { return Step(output: nil, gain: g, loss: l) }
            l *= inverse
            g *= inverse
            return Step(output: Self.value(gain: g, loss: l), gain: g, loss: l)
        }
        l *= weight
        g *= weight
        if d < 0.0 { l -= d } else { g += d }
        l *= inverse
        g *= inverse
        return Step(output: Self.value(gain: g, loss: l), gain: g, loss: l)
    }

    /// The step's RSI.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        gain = step.gain
        loss = step.loss
        previous = candle.close
        count += 1
    }
}

// + push with a fast path past the seeding (Wilder's update in place, no Step). `preview` is the
// protocol's default.
extension RSI {
    /// Commits a closed candle; one not newer than the last committed candle is ignored.
    @discardableResult
    package mutating func push(_ candle: AnalysisCandle) -> Double? {
        if let last = lastTimestamp, candle.timestamp <= last { return current }
        if count > period {
            // Past the seeding: Wilder's update in place, the same operations as `step(for:)`
            // (no Step, no Optional on the way), so the value is the same to the last bit.
            let x = candle.close
            let d = x - previous
            var g = gain * weight
            var l = loss * weight
            if d < 0.0 { l -= d } else { g += d }
            l *= inverse
            g *= inverse
            gain = g
            loss = l
            previous = x
            count &+= 1
            lastTimestamp = candle.timestamp
            let v = Self.value(gain: g, loss: l)
            current = v
            return v
        }
        let s = step(for: candle)
        commit(s, candle: candle)
        lastTimestamp = candle.timestamp
        current = output(of: s)
        return current
    }
}
