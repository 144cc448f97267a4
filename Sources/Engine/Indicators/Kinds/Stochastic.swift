/// Slow stochastic, equal to TA-Lib `STOCH(high, low, close, fastK, slowK, SMA, slowD, SMA)`.
///
/// Raw %K = `((close - lowest) / (highest - lowest)) * 100` (0 when the range is TA-Lib-flat relative
/// to the prices, `TA_IS_ZERO_SCALED`), slow %K = SMA of
/// raw %K, %D = SMA of slow %K; both outputs begin at `fastK - 1 + slowK - 1 + slowD - 1`.
package struct Stochastic: StreamingIndicator {
    /// The two outputs.
    package struct Value: Sendable, Equatable {
        /// Slow %K.
        package var k: Double
        /// %D.
        package var d: Double
    }

    /// Raw %K window.
    package let fastK: Int
    /// Slow %K smoothing.
    package let slowK: Int
    /// %D smoothing.
    package let slowD: Int
    private var highs: WindowExtreme
    private var lows: WindowExtreme
    private var kSMA: SMACore
    private var dSMA: SMACore
    private var count = 0
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Value?

    /// An uncommitted update.
    package struct Step: Sendable {
        fileprivate var raw: Double?
        fileprivate var k: SMACore.Step?
        fileprivate var d: SMACore.Step?
        fileprivate var output: Value?
    }

    /// Creates the indicator (all periods >= 1).
    package init(fastK: Int, slowK: Int, slowD: Int) {
        self.fastK = fastK
        self.slowK = slowK
        self.slowD = slowD
        highs = WindowExtreme(period: fastK, isMax: true)
        lows = WindowExtreme(period: fastK, isMax: false)
        kSMA = SMACore(period: slowK)
        dSMA = SMACore(period: slowD)
    }

    /// TA-Lib lookback.
    package var lookback: Int { fastK - 1 + slowK - 1 + slowD - 1 }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        guard count >= fastK - 1 else { return Step(raw: nil, k: nil, d: nil, output: nil) }
        let highest = highs.peek(candle.high)
        let lowest = lows.peek(candle.low)
        let range = highest - lowest
        let raw = TA.isZeroScaled(range, abs(highest) + abs(lowest)) ? 0.0 : ((candle.close - lowest) / range) * 100.0
        let k = kSMA.step(raw)
        guard let kv = k.output else { return Step(raw: raw, k: k, d: nil, output: nil) }
        let d = dSMA.step(kv)
        return Step(raw: raw, k: k, d: d, output: d.output.map { Value(k: kv, d: $0) })
    }

    /// The step's value.
    package func output(of step: Step) -> Value? { step.output }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        highs.push(candle.high)
        lows.push(candle.low)
        if let raw = step.raw, let k = step.k {
            kSMA.commit(k, raw)
            if let d = step.d, let kv = k.output { dSMA.commit(d, kv) }
        }
        count += 1
    }
}
