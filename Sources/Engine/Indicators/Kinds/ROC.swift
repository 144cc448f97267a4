/// Rate of change of closes in percent, equal to TA-Lib `ROC(close, period)`: `(x / x[-period] - 1) * 100`.
package struct ROC: StreamingIndicator {
    /// Distance back, in candles.
    package let period: Int
    private var ring: DoubleRing
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// Creates the indicator (`period` >= 1).
    package init(period: Int) {
        self.period = period
        ring = DoubleRing(capacity: period)
    }

    /// TA-Lib lookback: `period`.
    package var lookback: Int { period }

    /// Reads the state only; the step is the value itself.
    package func step(for candle: AnalysisCandle) -> Double? {
        guard ring.isFull else { return nil }
        let previous = ring.oldest
        return previous != 0.0 ? (candle.close / previous - 1.0) * 100.0 : 0.0
    }

    /// The step's value.
    package func output(of step: Double?) -> Double? { step }

    /// Commits the candle.
    package mutating func commit(_ step: Double?, candle: AnalysisCandle) { ring.append(candle.close) }
}
