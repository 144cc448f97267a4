/// Linearly weighted moving average of closes, equal to TA-Lib `WMA(close, period)`.
///
/// Uses TA-Lib 0.8's running `periodSum` / `periodSub` update in its order of operations,
/// including its re-anchoring: every `8 * period` outputs both totals are rebuilt from the window
/// (oldest first, weights counting up from 1), an O(period) pass that keeps the residue bounded.
package struct WMA: StreamingIndicator {
    /// Window length.
    package let period: Int
    private let divider: Double
    private var ring: DoubleRing
    private var periodSub = 0.0
    private var periodSum = 0.0
    private var barsSinceReseed: Int
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
        fileprivate var bars: Int
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) {
        self.period = period
        divider = Double(period) * Double(period + 1) / 2.0
        ring = DoubleRing(capacity: period)
        barsSinceReseed = 8 * period
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        if count < period - 1 {
            return Step(output: nil, sub: periodSub + x, sum: periodSum + x * Double(count + 1), bars: barsSinceReseed)
        }
        let trailing = ring.isFull ? ring.oldest : 0.0
        var sub = periodSub + x
        sub -= trailing
        var sum = periodSum + x * Double(period)
        var bars = barsSinceReseed - 1
        if bars <= 0 {
            bars = 8 * period
            sub = 0
            sum = 0
            for w in 1...period {
                let v = w < period ? ring.value(back: period - 1 - w) : x
                sub += v
                sum += v * Double(w)
            }
        }
        return Step(output: sum / divider, sub: sub, sum: sum - sub, bars: bars)
    }

    /// The step's average.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        periodSub = step.sub
        periodSum = step.sum
        barsSinceReseed = step.bars
        ring.append(candle.close)
        count += 1
    }
}
