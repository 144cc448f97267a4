/// Writes Doubles as their shortest round-trip decimal without building a String in the common
/// case (≤ 15 significant digits, 1e-4 ≤ |v| < 1e15): the same text as `JSONLineWriter.number`
/// (integral values without a fraction). Other values fall back to Swift's `description`.
/// Remembers the last scale, so a column of prices costs one or two exactness checks per value.
///
/// The hot entry points write through a caller-held pointer (`write(_:at:)`): no class access,
/// so no exclusivity check and no bounds bookkeeping per byte. The caller guarantees room for
/// ``maxLength`` bytes.
struct DecimalWriter {
    private var lastK = 0

    /// Longest text ``write(_:at:)`` produces (Swift's `description` of any Double is ≤ 24).
    static let maxLength = 32

    /// The integer and decimal scale of `v` when it has ≤ 15 significant digits.
    @inline(__always)
    mutating func decimal(_ v: Double) -> (Int64, Int)? {
        guard v.isFinite, abs(v) < 1e15, v == 0 || abs(v) >= 1e-4, !(v == 0 && v.sign == .minus) else { return nil }
        if let a = ScaledColumn.exact(v, lastK), lastK == 0 || ScaledColumn.exact(v, lastK - 1) == nil,
           a.magnitude < 1_000_000_000_000_000 {
            return (a, lastK)
        }
        for k in 0...ScaledColumn.maxDecimal {
            if let a = ScaledColumn.exact(v, k) {
                guard a.magnitude < 1_000_000_000_000_000 else { return nil }
                lastK = k
                return (a, k)
            }
        }
        return nil
    }

    /// Writes `v` at `p` and advances it (room for ``maxLength`` bytes required).
    @inline(__always)
    mutating func write(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        if let (a, k) = decimal(v) {
            Self.writeScaled(a, k, at: &p)
        } else {
            Self.writeDescription(v, at: &p)
        }
    }

    /// Appends `v` to `out`.
    mutating func write(_ v: Double, to out: ByteBuffer) {
        out.reserve(Self.maxLength)
        var p = out.base + out.count
        write(v, at: &p)
        out.count = p - out.base
    }

    @inline(never)
    static func writeDescription(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        var text = v.description
        text.withUTF8 { u in
            let n = min(u.count, maxLength)
            p.update(from: u.baseAddress!, count: n)
            p += n
        }
    }

    /// Writes `a / 10^k` in plain decimal notation (at most 1 + 17 + 1 + 15 digits… callers keep
    /// |a| < 10^17 and k ≤ 15, so at most 20 bytes) at `p` and advances it.
    @inline(__always)
    static func writeScaled(_ a: Int64, _ k: Int, at p: inout UnsafeMutablePointer<UInt8>) {
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

    /// Appends an integer.
    static func writeInteger(_ v: Int64, to out: ByteBuffer) {
        out.reserve(24)
        var p = out.base + out.count
        writeScaled(v, 0, at: &p)
        out.count = p - out.base
    }
}

/// Writes UTC timestamps `YYYY-MM-DD HH:MM:SS[.fff]Z`. Keeps the text of the last whole second:
/// a tick in the same second copies it, a new second of the same day rewrites the six clock
/// digits, a new day formats the date once.
struct TimestampWriter {
    private var second: Int64 = .min
    private var day: Int64 = .min
    /// "YYYY-MM-DD HH:MM:SS" of `second` (32 bytes of room; `dateLength` + 8 used).
    private var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var dateLength = 0
    private var decimals = DecimalWriter()

    /// Longest text ``write(_:at:)`` produces.
    static let maxLength = 56

    /// Writes epoch seconds `t` as UTC, with its fractional digits when it has any, at `p` and
    /// advances it (room for ``maxLength`` bytes required).
    @inline(__always)
    mutating func write(_ t: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        var seconds: Int64
        var fraction: Int64 = 0
        var k = 0
        if t >= 0, let (a, scale) = decimals.decimal(t) {
            if scale == 0 {
                seconds = a
            } else {
                var pk: Int64 = 10
                for _ in 1..<scale { pk &*= 10 }
                seconds = a / pk
                fraction = a - seconds * pk
                k = scale
            }
        } else {
            seconds = t.isFinite ? Int64(max(min(t, 9e12), -9e12).rounded(.down)) : 0
        }
        if seconds != second { newSecond(seconds) }
        let length = dateLength + 8
        withUnsafeBytes(of: &text) { raw in
            UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress!, byteCount: 32)
        }
        p += length
        if k > 0 {
            p.pointee = UInt8(ascii: ".")
            var q = p + k
            var f = fraction
            while q > p {
                q.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: f % 10)
                f /= 10
                q -= 1
            }
            p += k + 1
        }
        p.pointee = UInt8(ascii: "Z")
        p += 1
    }

    /// Appends `t` to `out`.
    mutating func write(_ t: Double, to out: ByteBuffer) {
        out.reserve(Self.maxLength)
        var p = out.base + out.count
        write(t, at: &p)
        out.count = p - out.base
    }

    @inline(never)
    private mutating func newSecond(_ seconds: Int64) {
        second = seconds
        let d = UTCTime.floorDiv(seconds, 86400)
        if d != day {
            day = d
            let (y, m, dd) = UTCTime.civil(days: d)
            let date = Array((String(y) + "-" + (m < 10 ? "0" : "") + String(m) + "-" + (dd < 10 ? "0" : "") + String(dd) + " ").utf8)
            dateLength = min(date.count, 24)
            withUnsafeMutableBytes(of: &text) { buf in
                for i in 0..<dateLength { buf[i] = date[i] }
            }
        }
        let rem = Int(seconds - d * 86400)
        let h = rem / 3600, mi = rem / 60 % 60, s = rem % 60
        let at = dateLength
        withUnsafeMutableBytes(of: &text) { buf in
            buf[at] = UInt8(ascii: "0") + UInt8(h / 10); buf[at + 1] = UInt8(ascii: "0") + UInt8(h % 10)
            buf[at + 2] = UInt8(ascii: ":")
            buf[at + 3] = UInt8(ascii: "0") + UInt8(mi / 10); buf[at + 4] = UInt8(ascii: "0") + UInt8(mi % 10)
            buf[at + 5] = UInt8(ascii: ":")
            buf[at + 6] = UInt8(ascii: "0") + UInt8(s / 10); buf[at + 7] = UInt8(ascii: "0") + UInt8(s % 10)
        }
    }
}
