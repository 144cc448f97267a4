/// Williams %R, equal to TA-Lib `WILLR(high, low, close, period)`: `((highest - close) / (highest - lowest)) * -100`
/// (0 when the range is flat relative to the prices).
package struct WilliamsR: StreamingIndicator {
    /// Window length.
    package let period: Int
    private var highs: WindowExtreme
    private var lows: WindowExtreme
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) {
        self.period = period
        highs = WindowExtreme(period: period, isMax: true)
        lows = WindowExtreme(period: period, isMax: false)
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only; the step is the value itself.
    package func step(for candle: AnalysisCandle) -> Double? {
        guard count >= period - 1 else { return nil }
        let highest = highs.peek(candle.high)
        let lowest = lows.peek(candle.low)
        let range = highest - lowest
        return TA.isZeroScaled(range, abs(highest) + abs(lowest)) ? 0.0 : ((highest - candle.close) / range) * -100.0
    }

    /// The step's value.
    package func output(of step: Double?) -> Double? { step }

    /// Commits the candle.
    package mutating func commit(_ step: Double?, candle: AnalysisCandle) {
        highs.push(candle.high)
        lows.push(candle.low)
        count += 1
    }
}
