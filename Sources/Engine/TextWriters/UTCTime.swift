/// UTC calendar arithmetic and text, without Foundation (proleptic Gregorian, Howard Hinnant's
/// algorithms): the one place qflux turns epoch seconds into dates and back.
///
/// Formats (all UTC, `Z` suffix):
/// - ISO-8601 `2025-10-15T14:32:00Z` / `…:00.123Z` – the server's payloads (``JSONWriter/iso8601(seconds:)``);
/// - ISO-8601 with a `+00:00` offset, `2025-10-15T14:32:00+00:00` – the candle `date` the original
///   server wrote (Python's `isoformat()`; ``JSONWriter/iso8601UTCOffset(seconds:)``);
/// - `2025-09-03 00:33:50[.962]Z` – CSV export (``UTCTimestampWriter``) and human output (``humanStamp(_:)``);
/// - `20250903T003350Z` – archive chunk names (``compactStamp(_:)``).
///
/// Years 0…9999 are written with four digits in the ISO and compact forms; the space-separated
/// forms write the year as a plain number (the same for 1000…9999).
package enum UTCTime {
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

    // MARK: - Writing through a pointer

    /// Longest text any writer here produces for one stamp (a 12-digit year at most).
    package static let maxLength = 48

    /// Writes `Y<sep>MM<sep>DD` for `days` since 1970-01-01 at `p` and advances it. `padYear`
    /// writes years 0…9999 as four digits; other years (and all with `padYear` false) are plain.
    @usableFromInline
    static func writeDate(days: Int64, separator: UInt8?, padYear: Bool, at p: inout UnsafeMutablePointer<UInt8>) {
        let (y, m, d) = civil(days: days)
        if padYear, y >= 0, y < 10000 {
            let v = Int(y)
            p[0] = UInt8(ascii: "0") &+ UInt8(v / 1000)
            p[1] = UInt8(ascii: "0") &+ UInt8(v / 100 % 10)
            p[2] = UInt8(ascii: "0") &+ UInt8(v / 10 % 10)
            p[3] = UInt8(ascii: "0") &+ UInt8(v % 10)
            p += 4
        } else {
            DecimalWriter.writeScaled(y, 0, at: &p)
        }
        if let separator { p.pointee = separator; p += 1 }
        writeTwo(m, at: &p)
        if let separator { p.pointee = separator; p += 1 }
        writeTwo(d, at: &p)
    }

    /// Writes `HH<sep>MM<sep>SS` for a second of the day at `p` and advances it.
    @usableFromInline
    static func writeClock(_ secondOfDay: Int, separator: UInt8?, at p: inout UnsafeMutablePointer<UInt8>) {
        writeTwo(secondOfDay / 3600, at: &p)
        if let separator { p.pointee = separator; p += 1 }
        writeTwo(secondOfDay / 60 % 60, at: &p)
        if let separator { p.pointee = separator; p += 1 }
        writeTwo(secondOfDay % 60, at: &p)
    }

    @inline(__always)
    static func writeTwo(_ v: Int, at p: inout UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v / 10)
        p[1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
        p += 2
    }

    /// Writes `2025-10-15T14:32:00Z` for whole epoch seconds at `p` and advances it (room for
    /// ``maxLength`` bytes required).
    package static func writeISO8601(seconds epoch: Int64, at p: inout UnsafeMutablePointer<UInt8>) {
        let days = floorDiv(epoch, 86400)
        writeDate(days: days, separator: UInt8(ascii: "-"), padYear: true, at: &p)
        p.pointee = UInt8(ascii: "T"); p += 1
        writeClock(Int(epoch - days * 86400), separator: UInt8(ascii: ":"), at: &p)
        p.pointee = UInt8(ascii: "Z"); p += 1
    }

    /// Writes `2025-10-15T14:32:00+00:00` for whole epoch seconds at `p` and advances it (room for
    /// ``maxLength`` bytes required): Python's `datetime.isoformat()` of a UTC time.
    package static func writeISO8601UTCOffset(seconds epoch: Int64, at p: inout UnsafeMutablePointer<UInt8>) {
        writeISO8601(seconds: epoch, at: &p)
        p -= 1  // replaces the Z
        for b in "+00:00".utf8 { p.pointee = b; p += 1 }
    }

    /// Writes `2025-10-15T14:32:00.123Z` (epoch seconds, milliseconds rounded down) at `p` and
    /// advances it (room for ``maxLength`` bytes required).
    package static func writeISO8601(millis epoch: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        let ms = Int64((epoch * 1000).rounded(.down))
        let s = floorDiv(ms, 1000)
        let days = floorDiv(s, 86400)
        writeDate(days: days, separator: UInt8(ascii: "-"), padYear: true, at: &p)
        p.pointee = UInt8(ascii: "T"); p += 1
        writeClock(Int(s - days * 86400), separator: UInt8(ascii: ":"), at: &p)
        let f = Int(ms - s * 1000)
        p[0] = UInt8(ascii: ".")
        p[1] = UInt8(ascii: "0") &+ UInt8(f / 100)
        p[2] = UInt8(ascii: "0") &+ UInt8(f / 10 % 10)
        p[3] = UInt8(ascii: "0") &+ UInt8(f % 10)
        p[4] = UInt8(ascii: "Z")
        p += 5
    }

    // MARK: - Text

    /// The text `body` writes (at most ``maxLength`` bytes), as a String.
    @inline(__always)
    static func text(_ body: (inout UnsafeMutablePointer<UInt8>) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            let start = buffer.baseAddress!
            var p = start
            body(&p)
            return String(decoding: UnsafeBufferPointer(start: start, count: p - start), as: UTF8.self)
        }
    }

    /// `2025-10-15T14:32:00Z` for whole epoch seconds.
    package static func iso8601(seconds epoch: Int64) -> String {
        text { writeISO8601(seconds: epoch, at: &$0) }
    }

    /// `2025-10-15T14:32:00+00:00` for whole epoch seconds (Python's `isoformat()` of a UTC time).
    package static func iso8601UTCOffset(seconds epoch: Int64) -> String {
        text { writeISO8601UTCOffset(seconds: epoch, at: &$0) }
    }

    /// `2025-10-15T14:32:00.123Z` (milliseconds rounded down).
    package static func iso8601(millis epoch: Double) -> String {
        text { writeISO8601(millis: epoch, at: &$0) }
    }

    /// `20250903T003350Z` for whole seconds of `time` (archive chunk names).
    package static func compactStamp(_ time: Double) -> String {
        let s = time.isFinite ? Int64(max(min(time, 9e12), -9e12).rounded(.down)) : 0
        return text { p in
            let days = floorDiv(s, 86400)
            writeDate(days: days, separator: nil, padYear: true, at: &p)
            p.pointee = UInt8(ascii: "T"); p += 1
            writeClock(Int(s - days * 86400), separator: nil, at: &p)
            p.pointee = UInt8(ascii: "Z"); p += 1
        }
    }

    /// `2025-09-03 00:33:50Z` for whole seconds (for human output).
    package static func humanStamp(_ seconds: Int64) -> String {
        text { p in
            let days = floorDiv(seconds, 86400)
            writeDate(days: days, separator: UInt8(ascii: "-"), padYear: false, at: &p)
            p.pointee = UInt8(ascii: " "); p += 1
            writeClock(Int(seconds - days * 86400), separator: UInt8(ascii: ":"), at: &p)
            p.pointee = UInt8(ascii: "Z"); p += 1
        }
    }

    // MARK: - Parsing

    /// Parses epoch seconds (`1756869696.775`; above 1e12 means milliseconds) or ISO-8601 UTC
    /// (`2025-09-03`, `2025-09-03T00:33:50Z`, `2025-09-03 00:33:50.5`, `…+02:00`). Spaces and
    /// tabs around the text are ignored.
    package static func parse(_ text: String) -> Double? {
        let t = trimmingBlanks(text)
        if let v = Double(t), v.isFinite, !t.utf8.contains(UInt8(ascii: "-")) || t.utf8.first == UInt8(ascii: "-") {
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
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var seconds = Double(days(year: Int64(y), month: mo, day: d) * 86400)
        var i = 10
        if i == b.count { return seconds }
        guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " "),
            let h = num(i + 1..<i + 3), b.count > i + 3, b[i + 3] == UInt8(ascii: ":"),
            let mi = num(i + 4..<i + 6), h < 24, mi < 60
        else { return nil }
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

    /// `text` without leading and trailing blanks: tabs and Unicode space separators (Zs), the
    /// set Foundation calls `.whitespaces`.
    static func trimmingBlanks(_ text: String) -> String {
        func blank(_ s: Unicode.Scalar) -> Bool { s == "\t" || s.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        var lo = scalars.startIndex, hi = scalars.endIndex
        while lo < hi, blank(scalars[lo]) { lo = scalars.index(after: lo) }
        while hi > lo, blank(scalars[scalars.index(before: hi)]) { hi = scalars.index(before: hi) }
        return lo == scalars.startIndex && hi == scalars.endIndex ? text : String(scalars[lo..<hi])
    }
}

/// Writes UTC timestamps `YYYY-MM-DD HH:MM:SS[.fff]Z` (the CSV export's time column, fractional
/// digits exactly as the time has them). Keeps the text of the last whole second: a tick in the
/// same second copies it, a new second of the same day rewrites the six clock digits, a new day
/// formats the date once. Inlinable, so the export's row loop keeps it inline.
package struct UTCTimestampWriter: Sendable {
    @usableFromInline var second: Int64 = .min
    @usableFromInline var day: Int64 = .min
    /// "YYYY-MM-DD HH:MM:SS" of `second` (32 bytes of room; `dateLength` + 8 used).
    @usableFromInline var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @usableFromInline var dateLength = 0
    @usableFromInline var decimals = DecimalWriter()

    /// A writer (nothing cached yet).
    @inlinable package init() {}

    /// Longest text ``write(_:at:)`` produces.
    package static let maxLength = 56

    /// Writes epoch seconds `t` as UTC, with its fractional digits when it has any, at `p` and
    /// advances it (room for ``maxLength`` bytes required).
    @inlinable @inline(__always)
    package mutating func write(_ t: Double, at p: inout UnsafeMutablePointer<UInt8>) {
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

    @usableFromInline @inline(never)
    mutating func newSecond(_ seconds: Int64) {
        second = seconds
        let d = UTCTime.floorDiv(seconds, 86400)
        let rem = Int(seconds - d * 86400)
        let newDay = d != day
        day = d
        var at = dateLength
        withUnsafeMutableBytes(of: &text) { buf in
            let base = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if newDay {
                var p = base
                UTCTime.writeDate(days: d, separator: UInt8(ascii: "-"), padYear: false, at: &p)
                p.pointee = UInt8(ascii: " ")
                at = p + 1 - base
            }
            var p = base + at
            UTCTime.writeClock(rem, separator: UInt8(ascii: ":"), at: &p)
        }
        dateLength = at
    }
}

extension JSONWriter {
    /// Appends `"2025-10-15T14:32:00+00:00"` (ISO-8601 UTC with a numeric offset, quoted): the
    /// candle `date` of the original server's payloads.
    package mutating func iso8601UTCOffset(seconds epoch: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: UTCTime.maxLength + 2) { buffer in
            let start = buffer.baseAddress!
            var p = start
            p.pointee = UInt8(ascii: "\""); p += 1
            UTCTime.writeISO8601UTCOffset(seconds: epoch, at: &p)
            p.pointee = UInt8(ascii: "\""); p += 1
            storage.append(contentsOf: UnsafeBufferPointer(start: start, count: p - start))
        }
    }
}
