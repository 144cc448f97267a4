import CFloatFormat

/// Writes Doubles as their shortest round-trip decimal without building a String in the common
/// case (≤ 15 significant digits, 1e-4 ≤ |v| < 1e15): the same text as Swift's `description`,
/// except that integral values have no fraction (`42`, not `42.0`). Other values (more digits,
/// tiny or huge magnitudes, -0, NaN, infinities) are written by the C formatter `qf_format_double`
/// (the same bytes, no String). Remembers the last scale, so a column of prices costs one or two
/// exactness checks per value; after a 16-17-digit value the next goes to the C formatter
/// directly (`qf_format_decimal`, which keeps the integer rule), so a column of indicator outputs
/// costs no check at all.
///
/// Used by ``JSONWriter/number(_:)`` and by the CSV export. The hot entry points write through a
/// caller-held pointer (`write(_:at:)`): no bounds bookkeeping per byte. The caller guarantees
/// room for ``maxLength`` bytes. Inlinable, so a caller's loop (the CSV export) keeps it inline.
package struct DecimalWriter: Sendable {
    /// The scale of the last value, and the one before it (a line alternating two columns –
    /// times and prices – finds its scale on the first or second try).
    @usableFromInline var lastK = 0
    @usableFromInline var previousK = 0
    /// Whether the last value had no scale (16-17 digits): the next one is checked for any scale
    /// first (a column of indicator outputs costs one check per value, not five).
    @usableFromInline var lastRefused = false

    /// A writer (no scale remembered yet).
    @inlinable package init() {}

    /// Longest text ``write(_:at:)`` produces (Swift's `description` of any Double is ≤ 24).
    package static let maxLength = 32

    /// 10^k for k = 0…15, exact.
    @usableFromInline static let pow10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// Largest scale tried (15 decimals).
    @usableFromInline static let maxDecimal = 15

    /// `a` when `v` is exactly `a / 10^k` (|a| < 2^53).
    @inlinable @inline(__always)
    static func exact(_ v: Double, _ k: Int) -> Int64? {
        let x = v * pow10[k]
        guard abs(x) < 9_007_199_254_740_992.0 else { return nil }
        // `x.rounded()` (half away from zero) without libm's `round` call: truncate, then step
        // by the exact remainder (x - t is exact below 2^53; from 2^52 on x is whole).
        let t = Int64(x)
        let d = x - Double(t)
        let a = d >= 0.5 ? t + 1 : (d <= -0.5 ? t - 1 : t)
        return (Double(a) / pow10[k]).bitPattern == v.bitPattern ? a : nil
    }

    /// The integer and decimal scale of `v` when it has ≤ 15 significant digits.
    @inlinable @inline(__always)
    package mutating func decimal(_ v: Double) -> (Int64, Int)? {
        guard v.isFinite, abs(v) < 1e15, v == 0 || abs(v) >= 1e-4, !(v == 0 && v.sign == .minus) else { return nil }
        if lastRefused && !Self.fitsSomeScale(v) { return nil }
        // The smallest exact scale: exactness holds for every scale above the smallest (while
        // |a| < 2^53), so a remembered scale k is it when k - 1 is not exact.
        if let a = Self.exact(v, lastK), lastK == 0 || Self.exact(v, lastK - 1) == nil,
            a.magnitude < 1_000_000_000_000_000
        {
            lastRefused = false
            return (a, lastK)
        }
        if previousK != lastK, let a = Self.exact(v, previousK), previousK == 0 || Self.exact(v, previousK - 1) == nil,
            a.magnitude < 1_000_000_000_000_000
        {
            swap(&lastK, &previousK)
            lastRefused = false
            return (a, lastK)
        }
        guard lastRefused || Self.fitsSomeScale(v) else {
            lastRefused = true
            return nil
        }
        lastRefused = false
        for k in 0...Self.maxDecimal {
            if let a = Self.exact(v, k) {
                guard a.magnitude < 1_000_000_000_000_000 else { return nil }
                previousK = lastK
                lastK = k
                return (a, k)
            }
        }
        return nil
    }

    /// Whether some scale may fit: false when the largest one whose integer stays below 10^15
    /// does not (exactness holds for every scale above the smallest), so values of 16 or 17
    /// digits – indicator outputs – are refused after one check instead of sixteen. A refusal
    /// only sends the value to `description`, which writes the same text.
    @inlinable @inline(__always)
    static func fitsSomeScale(_ v: Double) -> Bool {
        var top = maxDecimal
        let magnitude = abs(v)
        while top > 0 && magnitude * pow10[top] >= 1e15 { top -= 1 }
        return exact(v, top) != nil
    }

    /// Writes `v` at `p` and advances it (room for ``maxLength`` bytes required).
    @inlinable @inline(__always)
    package mutating func write(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        if lastRefused, let longAgain = Self.writeAfterLong(v, at: &p) {
            lastRefused = longAgain
            return
        }
        if let (a, k) = decimal(v) {
            Self.writeScaled(a, k, at: &p)
        } else {
            Self.writeDescription(v, at: &p)
        }
    }

    /// After a value of 16-17 digits (a column of indicator outputs): writes `v` in this writer's
    /// text straight from `qf_format_decimal` – no scale checks – and returns whether it had more
    /// than 15 digits too; nil (nothing written) in the unreachable case of a refused length.
    @usableFromInline @inline(never)
    static func writeAfterLong(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) -> Bool? {
        var significant: Int32 = 0
        let written = qf_format_decimal(v, p, maxLength, &significant)
        guard written > 0 else { return nil }
        p += written
        return significant > 15
    }

    /// Writes a finite `v` that is not a whole number below 10^15 (callers write those as
    /// integers) at `p` and advances it (room for ``maxLength`` bytes required): the bytes
    /// ``write(_:at:)`` gives such a value, straight from `qf_format_decimal`, with no scale
    /// checks and no remembered state (a column of indicator outputs, 16-17 digits each).
    package static func writeFraction(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        if writeAfterLong(v, at: &p) != nil { return }
        // Not reached (32 bytes always suffice).
        writeDescription(v, at: &p)
    }

    /// Writes Swift's `description` of `v` (at most ``maxLength`` bytes) at `p` and advances it:
    /// the same bytes from `qf_format_double` (shortest round-trip digits, no String).
    @usableFromInline @inline(never)
    static func writeDescription(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        let written = qf_format_double(v, p, maxLength)
        if written > 0 {
            p += written
            return
        }
        // Not reached (32 bytes always suffice); the String path keeps the contract regardless.
        var text = v.description
        text.withUTF8 { u in
            let n = min(u.count, maxLength)
            p.update(from: u.baseAddress!, count: n)
            p += n
        }
    }

    /// Writes `a / 10^k` in plain decimal notation at `p` and advances it. With k = 0 this is an
    /// integer (any Int64: at most 20 bytes); callers keep k ≤ 15 and |a| < 10^17 otherwise.
    @inlinable @inline(__always)
    package static func writeScaled(_ a: Int64, _ k: Int, at p: inout UnsafeMutablePointer<UInt8>) {
        var m = a.magnitude
        if a < 0 { p.pointee = UInt8(ascii: "-"); p += 1 }
        // Digits needed: those of m, at least k + 1 (a leading 0 before the point).
        var digits = 1
        var t = m
        while t >= 10 { t /= 10; digits += 1 }
        if digits <= k { digits = k + 1 }
        let length = digits + (k > 0 ? 1 : 0)
        var q = p + length
        var i = 0
        while i < digits {
            if i == k && k > 0 { q -= 1; q.pointee = UInt8(ascii: ".") }
            q -= 1
            q.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
            m /= 10
            i += 1
        }
        p += length
    }
}
