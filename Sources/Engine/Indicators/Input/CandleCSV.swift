import FastDecode

/// Reads candles from CSV text in the original tool's layout `timestamp,open,close,high,low[,volume]`.
///
/// - A header line (any line whose first field is not a time) names the columns; then they may come
///   in any order (`timestamp`/`time`/`date`, `open`, `high`, `low`, `close`, `volume`, any case).
///   Without a header the original's order is assumed.
/// - Times: see `TimestampParser` (`YYYY-mm-dd HH:MM:SS[Z]`, ISO 8601, epoch seconds or milliseconds).
/// - A missing or empty volume is 1000, as in the original.
/// - Blank lines are skipped; anything else that is not a candle is an error naming its line.
/// - A time or price that is not a plausible market value (``MarketLimits``: 1e308, a price of 0
///   or below, a time before 1970…) is an error naming its line, so no absurd value reaches an
///   indicator, a backtest or a time conversion.
package enum CandleCSV {
    /// Parses CSV text into candles (in file order).
    package static func parse(_ text: String) throws(CandleCSVError) -> [AnalysisCandle] {
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
                if TimestampParser.parse(fields[0]) == nil {
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

    /// Reads and parses a CSV file.
    package static func load(path: String) throws(CandleCSVError) -> [AnalysisCandle] {
        guard let text = readTextFile(path) else { throw CandleCSVError(line: 0, "cannot read \(path)") }
        do {
            return try parse(text)
        } catch {
            throw CandleCSVError(
                line: error.line, "\(path): " + (error.line > 0 ? "line \(error.line): " : "") + error.message)
        }
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
        guard let ts = TimestampParser.parse(t) else {
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
