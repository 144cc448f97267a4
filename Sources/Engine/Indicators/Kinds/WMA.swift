/// Linearly weighted moving average of closes, equal to TA-Lib `WMA(close, period)`.
///
/// Uses TA-Lib's running `periodSum` / `periodSub` update, in its order of operations.
package struct WMA: StreamingIndicator {
    /// Window length.
    package let period: Int
    private let divider: Double
    private var ring: DoubleRing
    private var periodSub = 0.0
    private var periodSum = 0.0
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var output: Double?
        fileprivate var sub: Double
        fileprivate var sum: Double
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) {
        self.period = period
        divider = Double((period * (period + 1)) >> 1)
        ring = DoubleRing(capacity: period)
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        if count < period - 1 {
            return Step(output: nil, sub: periodSub + x, sum: periodSum + x * Double(count + 1))
        }
        let trailing = ring.isFull ? ring.oldest : 0.0
        var sub = periodSub + x
        sub -= trailing
        let sum = periodSum + x * Double(period)
        return Step(output: sum / divider, sub: sub, sum: sum - sub)
    }

    /// The step's average.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        periodSub = step.sub
        periodSum = step.sum
        ring.append(candle.close)
        count += 1
    }
}
