/// Average true range, equal to TA-Lib `ATR(high, low, close, period)`.
///
/// Seeded with the plain mean of the first `period` true ranges (from the second candle on), then
/// Wilder-smoothed: `atr = (atr * (period - 1) + tr) / period`, as three separate operations.
package struct ATR: StreamingIndicator {
    /// Smoothing period.
    package let period: Int
    private var count = 0
    private var previousClose = 0.0
    private var sum = 0.0
    private var atr = 0.0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var output: Double?
        fileprivate var sum: Double
        fileprivate var atr: Double
    }

    /// Creates the indicator (`period` >= 1).
    package init(period: Int) { self.period = period }

    /// TA-Lib lookback: `period`.
    package var lookback: Int { period }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        if count == 0 { return Step(output: nil, sum: 0, atr: 0) }
        let tr = taTrueRange(high: candle.high, low: candle.low, previousClose: previousClose)
        if count < period { return Step(output: nil, sum: sum + tr, atr: 0) }
        if count == period {
            let s = sum + tr
            let a = s / Double(period)
            return Step(output: a, sum: s, atr: a)
        }
        var a = atr
        a *= Double(period - 1)
        a += tr
        a /= Double(period)
        return Step(output: a, sum: sum, atr: a)
    }

    /// The step's ATR.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        sum = step.sum
        atr = step.atr
        previousClose = candle.close
        count += 1
    }
}
