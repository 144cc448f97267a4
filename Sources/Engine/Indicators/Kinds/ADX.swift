/// Average directional index, equal to TA-Lib `ADX(high, low, close, period)`.
///
/// Follows TA-Lib's sequence exactly: `period - 1` candles of summed +DM, -DM and true range, then
/// `period` candles of Wilder smoothing (`x -= x / period; x += today`) whose DX values are summed,
/// the first ADX being their mean, then `adx = (adx * (period - 1) + dx) / period`.
package struct ADX: StreamingIndicator {
    /// Smoothing period.
    package let period: Int
    private var count = 0
    private var prevHigh = 0.0
    private var prevLow = 0.0
    private var prevClose = 0.0
    private var state = State()
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// The smoothed sums.
    package struct State: Sendable {
        fileprivate var plusDM = 0.0
        fileprivate var minusDM = 0.0
        fileprivate var tr = 0.0
        fileprivate var sumDX = 0.0
        fileprivate var adx = 0.0
    }

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var state: State
        fileprivate var output: Double?
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int) { self.period = period }

    /// TA-Lib lookback: `2 * period - 1`.
    package var lookback: Int { 2 * period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        var s = state
        if count == 0 { return Step(state: s, output: nil) }
        let n = Double(period)
        let diffP = candle.high - prevHigh
        let diffM = prevLow - candle.low
        if count >= period {
            s.minusDM -= s.minusDM / n
            s.plusDM -= s.plusDM / n
        }
        if diffM > 0 && diffP < diffM {
            s.minusDM += diffM
        } else if diffP > 0 && diffP > diffM {
            s.plusDM += diffP
        }
        let tr = taTrueRange(high: candle.high, low: candle.low, previousClose: prevClose)
        if count < period {
            s.tr += tr
            return Step(state: s, output: nil)
        }
        s.tr = s.tr - s.tr / n + tr
        var dx: Double?
        if !TA.isZero(s.tr) {
            let minusDI = 100.0 * (s.minusDM / s.tr)
            let plusDI = 100.0 * (s.plusDM / s.tr)
            let sumDI = minusDI + plusDI
            if !TA.isZero(sumDI) { dx = 100.0 * (abs(minusDI - plusDI) / sumDI) }
        }
        if count < 2 * period {
            if let dx { s.sumDX += dx }
            if count < 2 * period - 1 { return Step(state: s, output: nil) }
            s.adx = s.sumDX / n
            return Step(state: s, output: s.adx)
        }
        if let dx { s.adx = (s.adx * Double(period - 1) + dx) / n }
        return Step(state: s, output: s.adx)
    }

    /// The step's ADX.
    package func output(of step: Step) -> Double? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        state = step.state
        prevHigh = candle.high
        prevLow = candle.low
        prevClose = candle.close
        count += 1
    }
}
