/// Reads candle times: `YYYY-mm-dd HH:MM:SS[.fff][Z|±HH:MM]` (a `T` may stand for the space, the
/// time may be left out), or epoch seconds (a plain number; numbers above 10^11 are taken as
/// epoch milliseconds). Times without a zone are UTC.
package enum TimestampParser {
    /// Epoch seconds for `text`, or nil when it is not a time.
    package static func parse(_ text: Substring) -> Double? {
        let s = text.utf8
        guard let first = s.first else { return nil }
        if let v = Double(text), v.isFinite,
            !(first >= 0x30 && first <= 0x39 && s.count >= 10 && text.contains("-") && !text.hasPrefix("-"))
        {
            return v > 1e11 ? v / 1000 : v
        }
        let b = Array(s)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0.0
        if i < b.count && (b[i] == 0x20 || b[i] == 0x54) {
            i += 1
            guard let h = digits(2), expect(0x3A), let m = digits(2) else { return nil }
            var sec = 0.0
            if expect(0x3A) {
                guard let whole = digits(2) else { return nil }
                sec = Double(whole)
                if i < b.count && b[i] == 0x2E {
                    let start = i
                    i += 1
                    while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
                    sec += Double(String(decoding: b[start..<i], as: UTF8.self)) ?? 0
                }
            }
            guard h < 24, m < 60, sec < 61 else { return nil }
            seconds = Double(h * 3600 + m * 60) + sec
        }
        var offset = 0
        if i < b.count {
            if b[i] == 0x5A || b[i] == 0x7A {
                i += 1
            } else if b[i] == 0x2B || b[i] == 0x2D {
                let sign = b[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(0x3A)
                let om = digits(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        return Double(daysFromCivil(year: year, month: month, day: day) * 86400 - offset) + seconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `YYYY-mm-dd HH:MM:SS` (UTC) for epoch seconds, with fractions when present. A time no
    /// calendar can hold (NaN, infinite, beyond ±10^15 s) is written as the number itself
    /// (converting it to an integer would trap).
    package static func format(_ t: Double) -> String {
        guard t.isFinite, abs(t) < 1e15 else { return "\(t)" }
        let whole = (t).rounded(.down)
        let frac = t - whole
        let secs = Int(whole)
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(y)-\(two(m))-\(two(d)) \(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))"
        if frac > 0 {
            let f = "\(frac)"
            if let dot = f.firstIndex(of: ".") { out += String(f[dot...]) }
        }
        return out
    }
}
