/// Average true range, equal to TA-Lib `ATR(high, low, close, period)`.
///
/// Seeded with the plain mean of the first `period` true ranges (from the second candle on), then
/// Wilder-smoothed as TA-Lib 0.8.1's binary computes it: with `beta = (period - 1) / period`,
/// `k = 1 - beta`, `beta' = 1 - k`: `atr = beta' * atr + k * tr`, the first product fused (one
/// rounding) — checked bit for bit against TA-Lib by the tests.
package struct ATR: StreamingIndicator {
    /// Smoothing period.
    package let period: Int
    private var count = 0
    private var previousClose = 0.0
    private var sum = 0.0
    private var atr = 0.0
    private let k: Double
    private let beta: Double
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
    package init(period: Int) {
        self.period = period
        let b = Double(period - 1) / Double(period)
        k = 1.0 - b
        beta = 1.0 - k
    }

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
        let a = (k * tr).addingProduct(beta, atr)
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
