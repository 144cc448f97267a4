/// Bollinger bands of closes, equal to TA-Lib `BBANDS(close, period, up, down, SMA)`.
///
/// Middle = TA-Lib's SMA; the population standard deviation comes from TA-Lib's running sum of
/// squares (`mean(x²) - middle²`, 0 when that is below TA-Lib's epsilon), in its exact order.
package struct BollingerBands: StreamingIndicator {
    /// The three bands.
    package struct Value: Sendable, Equatable {
        /// `middle + stddev * up`.
        package var upper: Double
        /// The SMA.
        package var middle: Double
        /// `middle - stddev * down`.
        package var lower: Double
    }

    /// Window length.
    package let period: Int
    /// Upper multiplier.
    package let up: Double
    /// Lower multiplier.
    package let down: Double
    private var sma: SMACore
    private var ring: DoubleRing
    private var total2 = 0.0
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Value?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var sma: SMACore.Step
        fileprivate var total2: Double
        fileprivate var output: Value?
    }

    /// Creates the indicator (`period` >= 2).
    package init(period: Int, up: Double, down: Double) {
        self.period = period
        self.up = up
        self.down = down
        sma = SMACore(period: period)
        ring = DoubleRing(capacity: period - 1)
    }

    /// TA-Lib lookback: `period - 1`.
    package var lookback: Int { period - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        let s = sma.step(x)
        var sq = x
        sq *= sq
        guard let mid = s.output else { return Step(sma: s, total2: total2 + sq, output: nil) }
        let t2 = total2 + sq
        var mean2 = t2 / Double(period)
        var trailing = period > 1 ? ring.oldest : x
        trailing *= trailing
        let newTotal2 = t2 - trailing
        var m2 = mid
        m2 *= m2
        mean2 -= m2
        let sd = TA.isZeroOrNegative(mean2) ? 0.0 : mean2.squareRoot()
        let value = Value(upper: mid + sd * up, middle: mid, lower: mid - sd * down)
        return Step(sma: s, total2: newTotal2, output: value)
    }

    /// The step's bands.
    package func output(of step: Step) -> Value? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        sma.commit(step.sma, candle.close)
        total2 = step.total2
        ring.append(candle.close)
        count += 1
    }
}
