/// One column of Doubles stored exactly as scaled-integer deltas (see docs/archive-format.md).
///
/// A value is `a / 10^k` (scale code k = 0…15), `a / 2^(k − 1056)` (k = 32…4094) or raw IEEE
/// bits (k = 4095), with |a| < 2^53. The column keeps the current `a` and `k`; a value that is
/// exact at the current scale costs one varint `zigzag(a − previous) << 1`, otherwise the
/// column switches scale: varint `k << 1 | 1` then varint `zigzag(a)`.
@usableFromInline
struct ScaledColumn {
    @usableFromInline var a: Int64 = 0
    @usableFromInline var k: Int = 0

    @inlinable init() {}

    @usableFromInline static let pow10: [Double] = (0...22).map { k in
        var p = 1.0
        for _ in 0..<k { p *= 10 }
        return p
    }
    @usableFromInline static let maxDecimal = 15
    @usableFromInline static let binaryBase = 1056
    @usableFromInline static let special = 4095
    @usableFromInline static let limit = 9_007_199_254_740_992.0  // 2^53

    /// The value of integer `a` at scale code `k` (k must be valid).
    @inlinable @inline(__always)
    static func value(_ a: Int64, _ k: Int) -> Double {
        if k <= maxDecimal { return Double(a) / pow10[k] }
        if k == special { return Double(bitPattern: UInt64(bitPattern: a)) }
        return Double(sign: .plus, exponent: binaryBase - k, significand: Double(a))
    }

    /// `a` when `v` is exactly `a` at scale `k`.
    @inlinable @inline(__always)
    static func exact(_ v: Double, _ k: Int) -> Int64? {
        let q: Double
        if k <= maxDecimal {
            q = (v * pow10[k]).rounded()
        } else if k == special {
            return nil
        } else {
            q = Double(sign: .plus, exponent: k - binaryBase, significand: v)
            guard q == q.rounded() else { return nil }
        }
        guard abs(q) < limit else { return nil }
        let a = Int64(q)
        return value(a, k).bitPattern == v.bitPattern ? a : nil
    }

    /// The scale code and integer for a value that does not fit the current scale.
    @usableFromInline
    static func rescale(_ v: Double) -> (Int, Int64) {
        if !v.isFinite || (v == 0 && v.sign == .minus) {
            return (special, Int64(bitPattern: v.bitPattern))
        }
        for k in 0...maxDecimal {
            if let a = exact(v, k) { return (k, a) }
        }
        var sig: UInt64
        var exp2: Int
        if v.isNormal {
            sig = (1 << 52) | v.significandBitPattern
            exp2 = Int(v.exponent) - 52
        } else {
            sig = v.significandBitPattern
            exp2 = -1074
        }
        let tz = sig.trailingZeroBitCount
        sig >>= UInt64(tz)
        exp2 += tz
        let a = v.sign == .minus ? -Int64(sig) : Int64(sig)
        return (binaryBase - exp2, a)
    }

    /// Appends `v` (room for 21 bytes must have been reserved).
    @inlinable @inline(__always)
    mutating func encode(_ v: Double, into out: ByteBuffer) {
        if let n = Self.exact(v, k) {
            out.putVarint(zigzag(n &- a) << 1)
            a = n
            return
        }
        let (nk, n) = Self.rescale(v)
        out.putVarint(UInt64(nk) << 1 | 1)
        out.putVarint(zigzag(n))
        k = nk
        a = n
    }

    /// Reads the next value; `nil` when the bytes end inside it.
    @inlinable @inline(__always)
    mutating func decode(_ cursor: inout ByteCursor) throws(RecordError) -> Double? {
        guard let c = try cursor.varint() else { return nil }
        if c & 1 == 0 {
            a = a &+ unzigzag(c >> 1)
        } else {
            let nk = c >> 1
            guard nk <= UInt64(Self.maxDecimal) || (nk >= 32 && nk <= UInt64(Self.special)) else { throw .badScale(nk) }
            guard let n = try cursor.varint() else { return nil }
            k = Int(nk)
            a = unzigzag(n)
        }
        return Self.value(a, k)
    }
}
