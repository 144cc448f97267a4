/// Numeric conventions shared with TA-Lib's C implementation.
package enum TA {
    /// TA-Lib's `TA_EPSILON`: `TA_IS_ZERO(v)` is `-ε < v < ε`, `TA_IS_ZERO_OR_NEG(v)` is `v < ε`.
    package static let epsilon = 0.00000000000001

    /// TA-Lib's `TA_IS_ZERO`.
    @inline(__always)
    package static func isZero(_ v: Double) -> Bool { -epsilon < v && v < epsilon }

    /// TA-Lib's `TA_IS_ZERO_OR_NEG`.
    @inline(__always)
    package static func isZeroOrNegative(_ v: Double) -> Bool { v < epsilon }

    /// TA-Lib's `TA_IS_ZERO_SCALED(v, scale)`: `|v| <= ε * scale`, a flatness test relative to the
    /// prices' own level (TA-Lib 0.8, issue #253).
    @inline(__always)
    package static func isZeroScaled(_ v: Double, _ scale: Double) -> Bool { abs(v) <= epsilon * scale }

    /// TA-Lib's `PER_TO_K(period)`: the EMA smoothing factor `2 / (period + 1)`.
    @inline(__always)
    package static func emaK(_ period: Int) -> Double { 2.0 / Double(period + 1) }
}
