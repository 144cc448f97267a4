/// Numbers in CSV fields, read from bytes: the same Double as Swift's `Double(_:)` of the
/// field's text, without making the text in the common case.
///
/// Fast path: `-?D+(.D+)?` with at most 19 digits in all (``prefix(_:_:)`` says how): the
/// nearest Double to the decimal, as `Double(_:)` gives. Anything else (more digits, exponents,
/// `+`, `.5`, `inf`, hex) goes to `Double(_:)` itself.
package enum DecimalBytes {
    /// 10^k for k = 0…15, exact.
    @usableFromInline static let pow10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// The fast path alone: the value of `[p, p + n)` when it is a plain decimal of at most 19
    /// digits, else nil (which says nothing about whether it is a number).
    @inlinable @inline(__always)
    package static func plain(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard let (v, length) = prefix(p, n), length == n else { return nil }
        return v
    }

    /// The plain decimal `-?D+(.D+)?` at the start of `[p, p + limit)` and the bytes it takes,
    /// for readers that find a field's end by reading its number. Nil when the text there is not
    /// that form with at most 19 digits, or when its value is left to `Double(_:)` (a point
    /// without a digit after it; the rare 16–19 digit decimal exactly halfway between two
    /// Doubles after the first rounding).
    ///
    /// Up to 15 digits: `m / 10^k`, one correctly rounded division of exact operands (Clinger's
    /// fast path). 16 to 19 digits (x86-64): m < 2^64 and 10^k (k ≤ 19) are exact in Float80, so
    /// their quotient is rounded once to 64 bits and then to 53. That double rounding gives the
    /// correctly rounded Double unless the first result lies exactly halfway between two Doubles
    /// (rounding is monotonic and every such midpoint is a Float80): then nil.
    @inlinable @inline(__always)
    package static func prefix(_ p: UnsafePointer<UInt8>, _ limit: Int) -> (Double, Int)? {
        var i = 0
        let negative = limit > 0 && p[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var m: UInt64 = 0
        let digitsStart = i
        while i < limit {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { break }
            m = m &* 10 &+ UInt64(d)
            i += 1
        }
        var digits = i - digitsStart
        guard digits > 0 else { return nil }
        var scale = 0
        if i < limit && p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < limit {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                m = m &* 10 &+ UInt64(d)
                i += 1
            }
            scale = i - fractionStart
            guard scale > 0 else { return nil }
            digits += scale
        }
        let v: Double
        if digits <= 15 {
            // m < 10^15 < 2^63: the signed conversion is exact and one instruction (the unsigned
            // one is a sequence of four on x86-64).
            let exact = Double(Int64(truncatingIfNeeded: m))
            v = scale > 0 ? exact / pow10[scale] : exact
        } else {
            guard digits <= 19, let wide = wideQuotient(m, scale) else { return nil }
            v = wide
        }
        return (negative ? -v : v, i)
    }

    /// `m / 10^scale` for 16–19 digit decimals (see ``prefix(_:_:)``), or nil where the fast
    /// path cannot answer.
    @usableFromInline @inline(never)
    static func wideQuotient(_ m: UInt64, _ scale: Int) -> Double? {
        #if arch(x86_64) && !os(Windows)
        let q = Float80(m) / pow10Wide[scale]
        guard q.significandBitPattern & 0x7FF != 0x400 else { return nil }
        return Double(q)
        #else
        return nil
        #endif
    }

    #if arch(x86_64) && !os(Windows)
    /// 10^k for k = 0…19, exact in Float80.
    @usableFromInline static let pow10Wide: [Float80] = (0...19).map { k in
        var x: UInt64 = 1
        for _ in 0..<k { x *= 10 }
        return Float80(x)
    }
    #endif

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
