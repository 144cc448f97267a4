import Foundation

/// UTC calendar arithmetic without Foundation (proleptic Gregorian, Howard Hinnant's algorithms).
@usableFromInline package enum UTCTime {
    /// (year, month, day) of a day count since 1970-01-01.
    @inlinable
    package static func civil(days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of a calendar date.
    @inlinable
    package static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Floor division.
    @inlinable
    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// `20250903T003350Z` for whole seconds of `time`.
    @usableFromInline package static func compactStamp(_ time: Double) -> String {
        let s = time.isFinite ? Int64(max(min(time, 9e12), -9e12).rounded(.down)) : 0
        let days = floorDiv(s, 86400)
        let rem = Int(s - days * 86400)
        let (y, m, d) = civil(days: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(year)\(two(m))\(two(d))T\(two(rem / 3600))\(two(rem / 60 % 60))\(two(rem % 60))Z"
    }

    /// `2025-09-03 00:33:50Z` for whole seconds (for human output).
    @usableFromInline package static func humanStamp(_ seconds: Int64) -> String {
        let days = floorDiv(seconds, 86400)
        let rem = Int(seconds - days * 86400)
        let (y, m, d) = civil(days: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(rem / 3600)):\(two(rem / 60 % 60)):\(two(rem % 60))Z"
    }

    /// Parses epoch seconds (`1756869696.775`; above 1e12 means milliseconds) or ISO-8601 UTC
    /// (`2025-09-03`, `2025-09-03T00:33:50Z`, `2025-09-03 00:33:50.5`, `…+02:00`).
    @usableFromInline package static func parse(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let v = Double(t), v.isFinite, !t.contains("-") || t.hasPrefix("-") {
            return abs(v) > 1e12 ? v / 1000 : v
        }
        let b = Array(t.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= b.count, !r.isEmpty else { return nil }
            var v = 0
            for i in r {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var seconds = Double(days(year: Int64(y), month: mo, day: d) * 86400)
        var i = 10
        if i == b.count { return seconds }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " "),
              let h = num(i + 1..<i + 3), b.count > i + 3, b[i + 3] == UInt8(ascii: ":"),
              let mi = num(i + 4..<i + 6), h < 24, mi < 60 else { return nil }
        seconds += Double(h * 3600 + mi * 60)
        i += 6
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let s = num(i + 1..<i + 3), s < 61 else { return nil }
            seconds += Double(s)
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                var j = i + 1
                while j < b.count, b[j] >= 48, b[j] <= 57 { j += 1 }
                guard j > i + 1, let f = Double("0" + String(decoding: b[i..<j], as: UTF8.self)) else { return nil }
                seconds += f
                i = j
            }
        }
        if i == b.count { return seconds }
        if b[i] == UInt8(ascii: "Z"), i + 1 == b.count { return seconds }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let oh = num(i + 1..<i + 3) else { return nil }
        var offset = oh * 3600
        var j = i + 3
        if j < b.count, b[j] == UInt8(ascii: ":") { j += 1 }
        if j < b.count {
            guard let om = num(j..<j + 2), j + 2 == b.count else { return nil }
            offset += om * 60
        }
        return b[i] == UInt8(ascii: "+") ? seconds - Double(offset) : seconds + Double(offset)
    }
}
