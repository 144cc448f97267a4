/// DeMarker, as the original tool computed it (pandas; TA-Lib has no DeMarker).
///
/// `demax[i] = high[i] - high[i-1]` when the high rose, else 0; `demin[i] = low[i-1] - low[i]` when
/// the low fell, else 0 (neither exists for the first candle); the value is
/// `SMA_n(demax) / (SMA_n(demax) + SMA_n(demin))`, 0 when that denominator is 0. The first value
/// comes at the `period + 1`-th candle (lookback `period`). Ranges over [0, 1].
package struct DeMarker: StreamingIndicator {
    /// Averaging period.
    package let period: Int
    private var maxima: WindowMean
    private var minima: WindowMean
    private var previous: (high: Double, low: Double)?
    /// Timestamp of the last committed candle.
    package var lastTimestamp: Double?
    /// Value after the last committed candle.
    package var current: Double?

    /// An uncommitted update: the two averages' steps (nil for the first candle) and the value.
    package struct Step: Sendable {
        fileprivate var maxima: WindowMean.Step?
        fileprivate var minima: WindowMean.Step?
        fileprivate var demax = 0.0
        fileprivate var demin = 0.0
        fileprivate var value: Double?
    }

    /// Creates the indicator (`period` >= 1).
    package init(period: Int) {
        self.period = period
        maxima = WindowMean(period: period)
        minima = WindowMean(period: period)
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
        if let ma = a.mean, let mi = b.mean {
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

/// The mean of the last `period` values by a running sum that is exactly 0 whenever every value in
/// the window is 0 (a DeMarker window without a rise or a fall gives exactly 0, not the residue of
/// adding and subtracting the values that left).
private struct WindowMean: Sendable {
    let period: Int
    private var ring: DoubleRing
    private var total = 0.0
    private var nonzero = 0
    private var count = 0

    struct Step: Sendable {
        var mean: Double?
        fileprivate var total: Double
        fileprivate var nonzero: Int
    }

    init(period: Int) {
        self.period = period
        ring = DoubleRing(capacity: period)
    }

    func step(_ x: Double) -> Step {
        var t = total + x
        var n = nonzero + (x != 0 ? 1 : 0)
        if ring.isFull {
            let leaving = ring.oldest
            t -= leaving
            if leaving != 0 { n -= 1 }
        }
        if n == 0 { t = 0 }
        return Step(mean: count + 1 >= period ? t / Double(period) : nil, total: t, nonzero: n)
    }

    mutating func commit(_ s: Step, _ x: Double) {
        total = s.total
        nonzero = s.nonzero
        ring.append(x)
        count += 1
    }
}
