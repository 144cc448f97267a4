/// Reads candle times: `YYYY-mm-dd HH:MM:SS[.fff][Z|±HH:MM]` (a `T` may stand for the space, the
/// time may be left out), or epoch seconds (a plain number; numbers above 10^11 are taken as
/// epoch milliseconds). Times without a zone are UTC.
package enum TimestampParser {
    /// Epoch seconds for `text`, or nil when it is not a time.
    package static func parse(_ text: Substring) -> Double? {
        var text = text
        return text.withUTF8 { u in u.isEmpty ? nil : parse(u.baseAddress!, count: u.count) }
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
