/// TA-Lib's simple moving average over a stream of values, with its exact running-sum arithmetic.
///
/// TA-Lib (`TA_INT_SMA`) keeps `periodTotal` = the sum of the last `period - 1` values, built by
/// adding each new value and subtracting the one leaving; the output is `(periodTotal + x) / period`.
/// Doing the same operations in the same order keeps every value bit-identical to TA-Lib.
package struct SMACore: Sendable {
    /// Window length.
    package let period: Int
    private var ring: DoubleRing
    private var total = 0.0
    /// Number of values committed so far.
    package private(set) var count = 0

    /// The result of feeding one value, not yet committed.
    package struct Step: Sendable {
        /// The average including the value, or nil before `period` values.
        package var output: Double?
        fileprivate var total: Double
    }

    /// Creates an empty average of `period` values (`period` >= 1).
    package init(period: Int) {
        self.period = period
        ring = DoubleRing(capacity: period - 1)
    }

    /// Values needed before the first output, minus one (TA-Lib's lookback).
    package var lookback: Int { period - 1 }

    /// Computes what appending `x` would give, without changing the state.
    @inline(__always)
    package func step(_ x: Double) -> Step {
        if count < period - 1 { return Step(output: nil, total: total + x) }
        let t = total + x
        let trailing = period > 1 ? ring.oldest : x
        return Step(output: t / Double(period), total: t - trailing)
    }

    /// Commits a step computed by `step(x)` for the same `x`.
    @inline(__always)
    package mutating func commit(_ s: Step, _ x: Double) {
        total = s.total
        ring.append(x)
        count += 1
    }

    /// Appends `x` and returns the average (nil before `period` values).
    @discardableResult
    package mutating func push(_ x: Double) -> Double? {
        let s = step(x)
        commit(s, x)
        return s.output
    }
}
