/// DeMarker, as the original tool computed it (pandas; TA-Lib has no DeMarker).
///
/// `demax[i] = high[i] - high[i-1]` when the high rose, else 0; `demin[i] = low[i-1] - low[i]` when
/// the low fell, else 0 (neither exists for the first candle); the value is
/// `SMA_n(demax) / (SMA_n(demax) + SMA_n(demin))`, 0 when that denominator is 0. The first value
/// comes at the `period + 1`-th candle (lookback `period`). Ranges over [0, 1].
package struct DeMarker: StreamingIndicator {
    /// Averaging period.
    package let period: Int
    private var maxima: SMACore
    private var minima: SMACore
    private var previous: (high: Double, low: Double)?
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update: the two averages' steps (nil for the first candle) and the value.
    package struct Step: Sendable {
        fileprivate var maxima: SMACore.Step?
        fileprivate var minima: SMACore.Step?
        fileprivate var demax = 0.0
        fileprivate var demin = 0.0
        fileprivate var value: Double?
    }

    /// Creates the indicator (`period` >= 1).
    package init(period: Int) {
        self.period = period
        maxima = SMACore(period: period)
        minima = SMACore(period: period)
    }

    /// Candles consumed before the first value: `period` (the first candle has no difference).
    package var lookback: Int { period }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        guard let previous else { return Step() }
        let up = candle.high > previous.high ? candle.high - previous.high : 0.0
        let down = candle.low < previous.low ? previous.low - candle.low : 0.0
        let a = maxima.step(up)
        let b = minima.step(down)
        var value: Double?
        if let ma = a.output, let mi = b.output {
            let denominator = ma + mi
            value = denominator == 0 ? 0.0 : ma / denominator
        }
        return Step(maxima: a, minima: b, demax: up, demin: down, value: value)
    }

    /// The step's value.
    package func output(of step: Step) -> Double? { step.value }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        if let a = step.maxima, let b = step.minima {
            maxima.commit(a, step.demax)
            minima.commit(b, step.demin)
        }
        previous = (candle.high, candle.low)
    }
}
