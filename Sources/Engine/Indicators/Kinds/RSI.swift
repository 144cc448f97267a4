/// Wilder's relative strength index of closes, equal to TA-Lib `RSI(close, period)`.
///
/// Seeds average gain and loss with the plain mean of the first `period` changes, then smooths
/// `avg = (avg * (period - 1) + change) / period`; the value is `100 * gain / (gain + loss)`
/// (0 when `gain + loss` is TA-Lib-zero).
package struct RSI: StreamingIndicator {
    /// Smoothing period.
    package let period: Int
    private var count = 0
    private var previous = 0.0
    private var gain = 0.0
    private var loss = 0.0
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
    package init(period: Int) { self.period = period }

    /// TA-Lib lookback: `period`.
    package var lookback: Int { period }

    @inline(__always)
    private static func value(gain: Double, loss: Double) -> Double {
        let t = gain + loss
        return TA.isZero(t) ? 0.0 : 100.0 * (gain / t)
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
            l /= Double(period)
            g /= Double(period)
            return Step(output: Self.value(gain: g, loss: l), gain: g, loss: l)
        }
        l *= Double(period - 1)
        g *= Double(period - 1)
        if d < 0.0 { l -= d } else { g += d }
        l /= Double(period)
        g /= Double(period)
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
