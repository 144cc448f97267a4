/// Writes Doubles as their shortest round-trip decimal into a byte buffer without building a
/// String in the common case (≤ 15 significant digits, 1e-4 ≤ |v| < 1e15): the same text as
/// `JSONLineWriter.number` (integral values without a fraction). Other values fall back to
/// Swift's `description`. Remembers the last scale, so a column of prices costs one or two
/// exactness checks per value.
struct DecimalWriter {
    private var lastK = 0

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

    /// Appends `v`.
    @inline(__always)
    mutating func write(_ v: Double, to out: ByteBuffer) {
        out.reserve(32)
        if let (a, k) = decimal(v) {
            Self.writeScaled(a, k, to: out)
        } else {
            out.append(Array(v.description.utf8))
        }
    }

    /// Writes `a / 10^k` in plain decimal notation.
    @inline(__always)
    static func writeScaled(_ a: Int64, _ k: Int, to out: ByteBuffer) {
        var m = a.magnitude
        if a < 0 { out.put(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0) // 32 bytes of scratch
        withUnsafeMutableBytes(of: &digits) { d in
            var n = 0
            repeat {
                d[n] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            while n <= k { d[n] = UInt8(ascii: "0"); n += 1 }
            for i in stride(from: n - 1, through: 0, by: -1) {
                if i == k - 1 { out.put(UInt8(ascii: ".")) }
                out.put(d[i])
            }
        }
    }

    /// Appends an integer.
    @inline(__always)
    static func writeInteger(_ v: Int64, to out: ByteBuffer) {
        out.reserve(24)
        writeScaled(v, 0, to: out)
    }
}

/// Writes UTC timestamps `YYYY-MM-DD HH:MM:SS[.fff]Z`, caching the date of the last day.
struct TimestampWriter {
    private var day: Int64 = .min
    private var date: (UInt64, UInt64) = (0, 0) // "YYYY-MM-DD " (11 bytes)
    private var decimals = DecimalWriter()

    /// Appends epoch seconds `t` as UTC, with its fractional digits when it has any.
    mutating func write(_ t: Double, to out: ByteBuffer) {
        out.reserve(40)
        var seconds: Int64
        var fraction: Int64 = 0
        var k = 0
        if t >= 0, let (a, scale) = decimals.decimal(t) {
            let p = Int64(ScaledColumn.pow10[scale])
            seconds = a / p
            fraction = a % p
            k = scale
        } else {
            seconds = t.isFinite ? Int64(max(min(t, 9e12), -9e12).rounded(.down)) : 0
        }
        let d = UTCTime.floorDiv(seconds, 86400)
        if d != day {
            day = d
            let (y, m, dd) = UTCTime.civil(days: d)
            let text = Array((String(y) + "-" + (m < 10 ? "0" : "") + String(m) + "-" + (dd < 10 ? "0" : "") + String(dd) + " ").utf8)
            withUnsafeMutableBytes(of: &date) { buf in
                for i in 0..<min(text.count, 16) { buf[i] = text[i] }
                if text.count < 16 { buf[text.count] = 0 }
            }
        }
        withUnsafeBytes(of: &date) { buf in
            for b in buf where b != 0 { out.put(b) }
        }
        let rem = Int(seconds - d * 86400)
        Self.two(rem / 3600, out); out.put(UInt8(ascii: ":"))
        Self.two(rem / 60 % 60, out); out.put(UInt8(ascii: ":"))
        Self.two(rem % 60, out)
        if k > 0 {
            out.put(UInt8(ascii: "."))
            var p = Int64(ScaledColumn.pow10[k - 1])
            while p > 0 {
                out.put(UInt8(ascii: "0") + UInt8(fraction / p % 10))
                p /= 10
            }
        }
        out.put(UInt8(ascii: "Z"))
    }

    @inline(__always)
    private static func two(_ v: Int, _ out: ByteBuffer) {
        out.put(UInt8(ascii: "0") + UInt8(v / 10))
        out.put(UInt8(ascii: "0") + UInt8(v % 10))
    }
}
