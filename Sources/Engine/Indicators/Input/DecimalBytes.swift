/// Numbers in CSV fields, read from bytes: the same Double as Swift's `Double(_:)` of the
/// field's text, without making the text in the common case.
///
/// Fast path: `-?D+(.D+)?` with at most 15 digits in all. The digits form an integer m < 10^15
/// < 2^53 and the scale 10^k (k ≤ 15) is exact, so `m / 10^k` is one correctly rounded IEEE
/// division (Clinger's fast path): the nearest Double to the decimal, as `Double(_:)` gives.
/// Anything else (more digits, exponents, `+`, `.5`, `inf`, hex) goes to `Double(_:)` itself.
package enum DecimalBytes {
    /// 10^k for k = 0…15, exact.
    @usableFromInline static let pow10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// The fast path alone: the value of `[p, p + n)` when it is a plain decimal of at most 15
    /// digits, else nil (which says nothing about whether it is a number).
    @inlinable @inline(__always)
    package static func plain(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        let negative = n > 0 && p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var m: UInt64 = 0
        var digits = 0
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { break }
            m = m &* 10 &+ UInt64(d)
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        var scale = 0
        if i < n {
            guard p[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                m = m &* 10 &+ UInt64(d)
                scale += 1
                i += 1
            }
            guard scale > 0 else { return nil }
        }
        guard digits + scale <= 15 else { return nil }
        var v = Double(m)
        if scale > 0 { v /= pow10[scale] }
        return negative ? -v : v
    }

    /// `Double(_:)` of the bytes' text (fast path first); nil when that is nil.
    @inlinable
    package static func double(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        if let v = plain(p, n) { return v }
        return slow(p, n)
    }

    /// `Double(_:)` of the text.
    @usableFromInline @inline(never)
    static func slow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        Double(text(p, n))
    }

    /// The bytes as a String (invalid UTF-8 replaced, as `String(decoding:as:)` does).
    package static func text(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
}
