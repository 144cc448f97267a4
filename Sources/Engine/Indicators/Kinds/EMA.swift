/// Exponential moving average of closes, equal to TA-Lib `EMA(close, period)`.
package struct EMA: StreamingIndicator {
    private var core: EMACore
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) { core = EMACore(period: period) }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { core.lookback }
    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> EMACore.Step { core.step(candle.close) }
    /// The step's EMA.
    package func output(of step: EMACore.Step) -> Double? { step.output }
    /// Commits the step.
    package mutating func commit(_ step: EMACore.Step, candle: AnalysisCandle) { core.commit(step) }
}
