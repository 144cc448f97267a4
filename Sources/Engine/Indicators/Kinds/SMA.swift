/// Simple moving average of closes, equal to TA-Lib `SMA(close, period)`.
package struct SMA: StreamingIndicator {
    private var core: SMACore
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) { core = SMACore(period: period) }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { core.lookback }
    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> SMACore.Step { core.step(candle.close) }
    /// The step's average.
    package func output(of step: SMACore.Step) -> Double? { step.output }
    /// Commits the step.
    package mutating func commit(_ step: SMACore.Step, candle: AnalysisCandle) { core.commit(step, candle.close) }
}
