extension TimestampParser {
    /// Epoch seconds for the text in `[p, p + n)`, or nil when it is not a time: the forms of
    /// ``parse(_:)``, read from bytes without making a String (a plain decimal through
    /// ``DecimalBytes``, a date digit by digit).
    ///
    /// The same answer as the text's `Double(_:)` first and the date second: a date starts with
    /// four digits and `-`, which no `Double(_:)` accepts, so dates go straight to the date reader.
    package static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Double? {
        guard n > 0 else { return nil }
        if let v = DecimalBytes.plain(p, n) {
            // Plain decimals hold no `-` after the first byte: never mistaken for a date.
            return v > 1e11 ? v / 1000 : v
        }
        if n >= 5, isDigit(p[0]), isDigit(p[1]), isDigit(p[2]), isDigit(p[3]), p[4] == UInt8(ascii: "-") {
            return date(p, n)
        }
        return numberFallback(p, n)
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// Text that is neither a plain decimal nor starts like a date: `Double(_:)` of it (exponents,
    /// `+`, `.5`…), under the rule that text of 10 or more bytes starting with a digit and holding a
    /// `-` is not a number.
    @inline(never)
    private static func numberFallback(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard let v = DecimalBytes.slow(p, n), v.isFinite else { return nil }
        let b = UnsafeBufferPointer(start: p, count: n)
        if isDigit(b[0]) && n >= 10 && b.contains(UInt8(ascii: "-")) { return nil }
        return v > 1e11 ? v / 1000 : v
    }

    /// `YYYY-mm-dd[( |T)HH:MM[:SS[.fff]]][Z|±HH[:]MM]`.
    private static func date(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            var v = 0
            for k in 0..<count {
                let d = p[i + k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, p[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0.0
        if i < n && (p[i] == 0x20 || p[i] == 0x54) {
            i += 1
            guard let h = digits(2), expect(0x3A), let m = digits(2) else { return nil }
            var sec = 0.0
            if expect(0x3A) {
                guard let whole = digits(2) else { return nil }
                sec = Double(whole)
                if i < n && p[i] == 0x2E {
                    let start = i
                    i += 1
                    while i < n && isDigit(p[i]) { i += 1 }
                    // `Double(".fff")`: the digits over 10^count; "." alone is 0.
                    let fraction = i - start - 1
                    if fraction > 0 {
                        sec += fractionValue(p + start, i - start)
                    }
                }
            }
            guard h < 24, m < 60, sec < 61 else { return nil }
            seconds = Double(h * 3600 + m * 60) + sec
        }
        var offset = 0
        if i < n {
            if p[i] == 0x5A || p[i] == 0x7A {
                i += 1
            } else if p[i] == 0x2B || p[i] == 0x2D {
                let sign = p[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(0x3A)
                let om = digits(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == n else { return nil }
        return Double(daysFromCivil(year: year, month: month, day: day) * 86400 - offset) + seconds
    }

    /// `Double(_:)` of `.fff` at `p` (`n` bytes, the point included, at least one digit).
    private static func fractionValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        let count = n - 1
        if count <= 15 {
            var m: UInt64 = 0
            for k in 1..<n { m = m * 10 + UInt64(p[k] &- UInt8(ascii: "0")) }
            return Double(m) / DecimalBytes.pow10[count]
        }
        return DecimalBytes.slow(p, n) ?? 0
    }
}
