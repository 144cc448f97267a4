/// TA-Lib's exponential moving average over a stream of values (`TA_INT_EMA`, default compatibility).
///
/// Seeded with the plain sum of the first `period` values divided by `period`; afterwards
/// `ema = (x - ema) * k + ema` with `k = 2 / (period + 1)`, the multiply-add fused (one rounding),
/// as TA-Lib 0.8.1's binary (built with FMA contraction) computes it — checked bit for bit by the tests.
package struct EMACore: Sendable {
    /// Smoothing period.
    package let period: Int
    /// Smoothing factor.
    package let k: Double
    private var sum = 0.0
    private var value = 0.0
    /// Number of values committed so far.
    package private(set) var count = 0

    /// The result of feeding one value, not yet committed.
    package struct Step: Sendable {
        /// The EMA including the value, or nil before `period` values.
        package var output: Double?
        fileprivate var sum: Double
        fileprivate var value: Double
    }

    /// Creates an empty EMA (`period` >= 1).
    package init(period: Int) {
        self.period = period
        k = TA.emaK(period)
    }

    /// Values needed before the first output, minus one.
    package var lookback: Int { period - 1 }

    /// Computes what appending `x` would give, without changing the state.
    @inline(__always)
    package func step(_ x: Double) -> Step {
        if count < period - 1 { return Step(output: nil, sum: sum + x, value: value) }
        if count == period - 1 {
            let s = sum + x
            let v = s / Double(period)
            return Step(output: v, sum: s, value: v)
        }
        let v = value.addingProduct(x - value, k)
        return Step(output: v, sum: sum, value: v)
    }

    /// Commits a step computed by `step(x)`.
    @inline(__always)
    package mutating func commit(_ s: Step) {
        sum = s.sum
        value = s.value
        count += 1
    }

    /// Appends `x` and returns the EMA (nil before `period` values).
    @discardableResult
    package mutating func push(_ x: Double) -> Double? {
        let s = step(x)
        commit(s)
        return s.output
    }
}
