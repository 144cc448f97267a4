/// Commodity channel index, equal to TA-Lib `CCI(high, low, close, period)`.
///
/// TA-Lib recomputes the mean and the mean absolute deviation of the typical prices over its
/// circular buffer in slot order; this does the same (same slots, same order), so each update is
/// O(period) — the one indicator here that is not O(1), because the mean deviation has no exact
/// running form.
package struct CCI: StreamingIndicator {
    /// Window length.
    package let period: Int
    private var slots: [Double]
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var typical: Double
        fileprivate var output: Double?
    }

    /// Creates the indicator (`period` >= 2). The slots fill as candles come (a period longer
    /// than the series never holds more than the series).
    package init(period: Int) {
        self.period = period
        slots = []
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let tp = (candle.high + candle.low + candle.close) / 3
        guard count >= period - 1 else { return Step(typical: tp, output: nil) }
        let slot = count % period
        var average = 0.0
        for j in 0..<period { average += j == slot ? tp : slots[j] }
        average /= Double(period)
        var deviation = 0.0
        for j in 0..<period { deviation += abs((j == slot ? tp : slots[j]) - average) }
        deviation /= Double(period)
        let t = tp - average
        let scale = abs(average)
        let out = (!TA.isZeroScaled(t, scale) && !TA.isZeroScaled(deviation, scale)) ? t / (0.015 * deviation) : 0.0
        return Step(typical: tp, output: out)
    }

    /// The step's CCI.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        if slots.count < period { slots.append(step.typical) } else { slots[count % period] = step.typical }
        count += 1
    }
}
