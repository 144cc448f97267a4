/// MACD of closes, equal to TA-Lib `MACD(close, fast, slow, signal)`.
///
/// As in TA-Lib, the fast EMA is aligned to the slow one's start (it is seeded with the mean of the
/// `fast` closes that end where the slow EMA's first value is), the signal is an EMA of the MACD
/// line, and all three outputs begin at `slow - 1 + signal - 1`.
package struct MACD: StreamingIndicator {
    /// The three outputs.
    package struct Value: Sendable, Equatable {
        /// Fast EMA minus slow EMA.
        package var macd: Double
        /// EMA of `macd`.
        package var signal: Double
        /// `macd - signal`.
        package var hist: Double
    }

    /// Fast period (after TA-Lib's swap when fast > slow).
    package let fast: Int
    /// Slow period.
    package let slow: Int
    /// Signal period.
    package let signalPeriod: Int
    private var fastEMA: EMACore
    private var slowEMA: EMACore
    private var signalEMA: EMACore
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Value?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var fast: EMACore.Step?
        fileprivate var slow: EMACore.Step
        fileprivate var signal: EMACore.Step?
        fileprivate var output: Value?
    }

    /// Creates the indicator (periods >= 2; a fast period above the slow one is swapped, as TA-Lib does).
    package init(fast: Int, slow: Int, signal: Int) {
        let (f, s) = fast > slow ? (slow, fast) : (fast, slow)
        self.fast = f
        self.slow = s
        signalPeriod = signal
        fastEMA = EMACore(period: f)
        slowEMA = EMACore(period: s)
        signalEMA = EMACore(period: signal)
    }

    /// TA-Lib lookback: `slow - 1 + signal - 1`.
    package var lookback: Int { slow - 1 + signalPeriod - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let x = candle.close
        let s = slowEMA.step(x)
        let f: EMACore.Step? = count >= slow - fast ? fastEMA.step(x) : nil
        guard let so = s.output, let fo = f?.output else {
            return Step(fast: f, slow: s, signal: nil, output: nil)
        }
        let m = fo - so
        let g = signalEMA.step(m)
        let out = g.output.map { Value(macd: m, signal: $0, hist: m - $0) }
        return Step(fast: f, slow: s, signal: g, output: out)
    }

    /// The step's value.
    package func output(of step: Step) -> Value? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        slowEMA.commit(step.slow)
        if let f = step.fast { fastEMA.commit(f) }
        if let g = step.signal { signalEMA.commit(g) }
        count += 1
    }
}
