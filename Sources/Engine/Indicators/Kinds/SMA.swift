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

// + concrete push/preview: the same as `StreamingIndicator.push` / `preview`, written out for this
// type so callers in other modules get direct, specialised calls.
extension SMA {
    /// Commits a closed candle; one not newer than the last committed candle is ignored.
    @discardableResult
    package mutating func push(_ candle: AnalysisCandle) -> Double? {
        if let last = lastTimestamp, candle.timestamp <= last { return current }
        let s = step(for: candle)
        commit(s, candle: candle)
        lastTimestamp = candle.timestamp
        current = output(of: s)
        return current
    }

    /// The value as if the forming `candle` were appended; changes nothing.
    package func preview(_ candle: AnalysisCandle) -> Double? {
        if let last = lastTimestamp, candle.timestamp <= last { return current }
        return output(of: step(for: candle))
    }
}
