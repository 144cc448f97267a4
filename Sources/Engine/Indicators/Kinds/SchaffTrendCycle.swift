/// Schaff Trend Cycle, as the original tool computed it (pandas; TA-Lib has no STC).
///
/// With `ewm(span)` pandas' `adjust=False` average (seeded with its first value,
/// `y = (1 - α)·y + α·x`, `α = 2 / (span + 1)`):
/// `macd = ewm_fast(close) - ewm_slow(close)`;
/// `st1 = 100·(macd - min)/(max - min)` over the last `dMACD` MACD values (0 when max = min);
/// `pf = ewm_dMACD(st1)`; `st2 = 100·(pf - min)/(max - min)` over the last `dPF` values of `pf`
/// (0 when equal); the value is `ewm_dPF(st2)`. The first value comes at candle
/// `dMACD + dPF - 1` (lookback `dMACD - 1 + dPF - 1`). Ranges over [0, 100].
package struct SchaffTrendCycle: StreamingIndicator {
    /// Fast MACD span.
    package let fast: Int
    /// Slow MACD span.
    package let slow: Int
    /// The MACD stochastic's window and the span of its smoothing.
    package let dMACD: Int
    /// The second stochastic's window and the span of its smoothing.
    package let dPF: Int
    private var fastEMA: Double?
    private var slowEMA: Double?
    private var macdHigh: WindowExtreme
    private var macdLow: WindowExtreme
    private var pf: Double?
    private var pfHigh: WindowExtreme
    private var pfLow: WindowExtreme
    private var stc: Double?
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update: every smoothed value the candle would give.
    package struct Step: Sendable {
        fileprivate var fast: Double
        fileprivate var slow: Double
        fileprivate var macd: Double
        fileprivate var pf: Double?
        fileprivate var stc: Double?
    }

    /// Creates the indicator (all spans and windows >= 1).
    package init(fast: Int, slow: Int, dMACD: Int, dPF: Int) {
        self.fast = fast
        self.slow = slow
        self.dMACD = dMACD
        self.dPF = dPF
        macdHigh = WindowExtreme(period: dMACD, isMax: true)
        macdLow = WindowExtreme(period: dMACD, isMax: false)
        pfHigh = WindowExtreme(period: dPF, isMax: true)
        pfLow = WindowExtreme(period: dPF, isMax: false)
    }

    /// Candles consumed before the first value: `dMACD - 1 + dPF - 1`.
    package var lookback: Int { dMACD - 1 + dPF - 1 }

    /// pandas `ewm(span, adjust=False)`: the first value seeds it.
    @inline(__always)
    private static func smooth(_ previous: Double?, _ x: Double, span: Int) -> Double {
        guard let previous else { return x }
        let alpha = 2.0 / Double(span + 1)
        return (1 - alpha) * previous + alpha * x
    }

    /// `100·(x - lowest)/(highest - lowest)`, 0 when the window is flat.
    @inline(__always)
    private static func stochastic(_ x: Double, highest: Double, lowest: Double) -> Double {
        let range = highest - lowest
        return range == 0 ? 0.0 : 100 * (x - lowest) / range
    }

    /// Reads the state only.
    package func step(for candle: AnalysisCandle) -> Step {
        let f = Self.smooth(fastEMA, candle.close, span: fast)
        let s = Self.smooth(slowEMA, candle.close, span: slow)
        let macd = f - s
        var step = Step(fast: f, slow: s, macd: macd, pf: pf, stc: stc)
        // the window of MACD values ending with this one is full from the dMACD-th candle on
        guard macdHigh.nextIndex + 1 >= dMACD else { return step }
        let st1 = Self.stochastic(macd, highest: macdHigh.peek(macd), lowest: macdLow.peek(macd))
        let newPF = Self.smooth(pf, st1, span: dMACD)
        step.pf = newPF
        guard pfHigh.nextIndex + 1 >= dPF else { return step }
        let st2 = Self.stochastic(newPF, highest: pfHigh.peek(newPF), lowest: pfLow.peek(newPF))
        step.stc = Self.smooth(stc, st2, span: dPF)
        return step
    }

    /// The step's value.
    package func output(of step: Step) -> Double? { step.stc }

    /// Commits the step.
    package mutating func commit(_ step: Step, candle: AnalysisCandle) {
        fastEMA = step.fast
        slowEMA = step.slow
        macdHigh.push(step.macd)
        macdLow.push(step.macd)
        if let p = step.pf, macdHigh.nextIndex >= dMACD {
            pf = p
            pfHigh.push(p)
            pfLow.push(p)
        }
        stc = step.stc
    }
}
