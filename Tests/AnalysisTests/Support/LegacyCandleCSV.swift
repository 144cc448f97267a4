import FastDecode
import Indicators

// The candle CSV reader and time parser as they were before the byte reader (String, Character
// and Substring per field), kept word for word as the tests' oracle: the byte reader must give
// the same candles and the same errors.

/// The old `CandleCSV.parse` (reference for ``CandleCSVReader``).
enum LegacyCandleCSV {
    /// Parses CSV text into candles (in file order).
    static func parse(_ text: String) throws(CandleCSVError) -> [AnalysisCandle] {
        var candles: [AnalysisCandle] = []
        var columns: [String: Int]?
        var lineNumber = 0
        var sawData = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { trim($0) }
            if columns == nil && !sawData {
                if LegacyTimestampParser.parse(fields[0]) == nil {
                    columns = try header(fields, line: lineNumber)
                    continue
                }
                columns = ["timestamp": 0, "open": 1, "close": 2, "high": 3, "low": 4, "volume": 5]
            }
            sawData = true
            candles.append(try row(fields, columns: columns!, line: lineNumber))
        }
        return candles
    }

    private static func trim(_ s: Substring) -> Substring {
        var t = s
        while let f = t.first, f == " " || f == "\t" || f == "\"" { t.removeFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\"" { t.removeLast() }
        return t
    }

    private static func header(_ fields: [Substring], line: Int) throws(CandleCSVError) -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
            var name = f.lowercased()
            if name == "time" || name == "date" || name == "datetime" { name = "timestamp" }
            if ["timestamp", "open", "high", "low", "close", "volume"].contains(name) && map[name] == nil {
                map[name] = i
            }
        }
        for needed in ["timestamp", "open", "high", "low", "close"] where map[needed] == nil {
            throw CandleCSVError(
                line: line, "header has no \"\(needed)\" column (expected timestamp,open,close,high,low[,volume])")
        }
        return map
    }

    private static func row(_ fields: [Substring], columns: [String: Int], line: Int) throws(CandleCSVError)
        -> AnalysisCandle
    {
        func field(_ name: String) throws(CandleCSVError) -> Substring {
            let i = columns[name]!
            guard i < fields.count else {
                throw CandleCSVError(line: line, "expected at least \(i + 1) fields, found \(fields.count)")
            }
            return fields[i]
        }
        func number(_ name: String) throws(CandleCSVError) -> Double {
            let f = try field(name)
            guard let v = Double(f), v.isFinite else {
                throw CandleCSVError(line: line, "\(name) \"\(f)\" is not a number")
            }
            guard MarketLimits.isSane(price: v) else {
                throw CandleCSVError(line: line, "\(name) \"\(f)\" is not a plausible price")
            }
            return v
        }
        let t = try field("timestamp")
        guard let ts = LegacyTimestampParser.parse(t) else {
            throw CandleCSVError(
                line: line, "timestamp \"\(t)\" is not a time (expected YYYY-mm-dd HH:MM:SS, ISO 8601 or epoch seconds)"
            )
        }
        guard MarketLimits.isSane(time: ts) else {
            throw CandleCSVError(line: line, "timestamp \"\(t)\" is not a plausible market time")
        }
        var volume = 1000.0
        if let vi = columns["volume"], vi < fields.count, !fields[vi].isEmpty {
            guard let v = Double(fields[vi]), v.isFinite else {
                throw CandleCSVError(line: line, "volume \"\(fields[vi])\" is not a number")
            }
            volume = v
        }
        return AnalysisCandle(
            timestamp: ts, open: try number("open"), high: try number("high"),
            low: try number("low"), close: try number("close"), volume: volume)
    }
}

/// The old `TimestampParser.parse` (reference for the byte parser).
enum LegacyTimestampParser {
    /// Epoch seconds for `text`, or nil when it is not a time.
    static func parse(_ text: Substring) -> Double? {
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
        return Double(TimestampParser.daysFromCivil(year: year, month: month, day: day) * 86400 - offset) + seconds
    }

}
