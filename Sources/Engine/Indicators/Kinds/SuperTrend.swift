/// SuperTrend (no TA-Lib function; the common definition, on TA-Lib's ATR).
///
/// With `atr` = TA-Lib `ATR(period)` and `hl2 = (high + low) / 2`:
/// - basic bands: `hl2 + multiplier * atr` and `hl2 - multiplier * atr`;
/// - final upper = basic upper if it is below the previous final upper or the previous close was
///   above the previous final upper, else the previous final upper; final lower mirrors it;
/// - direction starts at +1 (up) on the first ATR candle; while up it turns -1 when the close falls
///   below the final lower band, while down it turns +1 when the close rises above the final upper;
/// - the SuperTrend line is the final lower band when up, the final upper band when down.
package struct SuperTrend: StreamingIndicator {
    /// The line and its direction.
    package struct Value: Sendable, Equatable {
        /// The SuperTrend line.
        package var value: Double
        /// +1 up (line below price), -1 down.
        package var direction: Double
    }

    /// ATR period.
    package let period: Int
    /// Band multiplier.
    package let multiplier: Double
    private var atr: ATR
    private var bands: Bands?
    private var previousClose = 0.0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Value?

    /// Final bands and direction after a candle.
    package struct Bands: Sendable {
        fileprivate var upper: Double
        fileprivate var lower: Double
        fileprivate var direction: Double
    }

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var atr: ATR.Step
        fileprivate var bands: Bands?
    }

    /// Creates the indicator (`period` >= 1).
    package init(period: Int, multiplier: Double) {
        self.period = period
        self.multiplier = multiplier
        atr = ATR(period: period)
    }

    /// Lookback: the ATR's, `period`.
    package var lookback: Int { period }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let a = atr.step(for: candle)
        guard let v = atr.output(of: a) else { return Step(atr: a, bands: nil) }
        let hl2 = (candle.high + candle.low) / 2
        let basicUpper = hl2 + multiplier * v
        let basicLower = hl2 - multiplier * v
        guard let p = bands else {
            return Step(atr: a, bands: Bands(upper: basicUpper, lower: basicLower, direction: 1))
        }
        let upper = (basicUpper < p.upper || previousClose > p.upper) ? basicUpper : p.upper
        let lower = (basicLower > p.lower || previousClose < p.lower) ? basicLower : p.lower
        let direction: Double
        if p.direction > 0 {
            direction = candle.close < lower ? -1 : 1
        } else {
            direction = candle.close > upper ? 1 : -1
        }
        return Step(atr: a, bands: Bands(upper: upper, lower: lower, direction: direction))
    }

    /// The step's value.
    package func output(of step: Step) -> Value? {
        step.bands.map { Value(value: $0.direction > 0 ? $0.lower : $0.upper, direction: $0.direction) }
    }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        atr.commit(step.atr, candle: candle)
        if let b = step.bands { bands = b }
        previousClose = candle.close
    }
}
