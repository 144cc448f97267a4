import Candles
import Indicators
import SocketIOServer

/// Reads the `candles` of `store_csv_candles` (`[{timestamp, date, open, close, high, low,
/// volume, symbol}…]`, as the original GUI sends a loaded CSV file) into analysis candles.
///
/// Bounded: a list over ``StoredCandleStore/maxCandlesPerSeries`` is refused before any row is
/// read; each row costs O(1) (its time text is at most ``maxTimeTextBytes``). A bad row is left
/// out and counted; the first ``maxReportedErrors`` are described (`row 3: no close`).
/// Rows are sorted by time; of rows with the same time the last one is kept (counted as skipped).
enum StoredCandleParser {
    /// Row errors described in the reply at most.
    static let maxReportedErrors = 5
    /// Longest time text read.
    static let maxTimeTextBytes = 64

    /// The parsed rows.
    struct Parsed {
        var candles: [AnalysisCandle]
        /// Rows left out (malformed, or an earlier row with the same time).
        var skipped: Int
        /// The first few reasons, `row N: why` (rows counted from 1).
        var errors: [String]
    }

    /// Reads `rows`; throws when the list is too long.
    static func parse(_ rows: [JSONValue]) throws(DataSourceRequestError) -> Parsed {
        let limit = StoredCandleStore.maxCandlesPerSeries
        guard rows.count <= limit else {
            throw DataSourceRequestError(
                "Too many candles: \(rows.count) (at most \(limit) per stored series)")
        }
        var out = Parsed(candles: [], skipped: 0, errors: [])
        out.candles.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            switch candle(row) {
            case .success(let c): out.candles.append(c)
            case .failure(let why):
                out.skipped += 1
                if out.errors.count < maxReportedErrors { out.errors.append("row \(i + 1): \(why.message)") }
            }
        }
        // time order; of equal times the later row wins
        let ordered = out.candles.enumerated().sorted {
            ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
        }
        var unique: [AnalysisCandle] = []
        unique.reserveCapacity(ordered.count)
        for (_, c) in ordered {
            if let last = unique.last, last.timestamp == c.timestamp {
                unique[unique.count - 1] = c
                out.skipped += 1
            } else {
                unique.append(c)
            }
        }
        out.candles = unique
        return out
    }

    /// One row, or why it is left out.
    static func candle(_ row: JSONValue) -> Result<AnalysisCandle, DataSourceRequestError> {
        guard case .object(let f) = row else { return .failure(.init("not an object")) }
        guard let time = time(f["timestamp"]) ?? time(f["date"]) else {
            return .failure(.init("no time (timestamp: epoch seconds or YYYY-mm-dd HH:MM:SS)"))
        }
        var prices: [Double] = []
        for name in ["open", "high", "low", "close"] {
            guard let v = number(f[name]) else { return .failure(.init("no \(name)")) }
            guard v.isFinite, v > 0 else { return .failure(.init("\(name) is not a positive price")) }
            prices.append(v)
        }
        guard prices[1] >= prices[2] else { return .failure(.init("high below low")) }
        var volume = 1000.0
        if let v = f["volume"], v != .null {
            guard let n = number(v), n.isFinite, n >= 0 else { return .failure(.init("volume is not a number ≥ 0")) }
            volume = n
        }
        return .success(
            AnalysisCandle(
                timestamp: time, open: prices[0], high: prices[1], low: prices[2], close: prices[3], volume: volume))
    }

    /// A number, or a number written as text.
    private static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .number(let n)?: return n
        case .string(let s)? where s.utf8.count <= maxTimeTextBytes: return Double(s)
        default: return nil
        }
    }

    /// Epoch seconds (milliseconds above 10^11) or time text.
    private static func time(_ v: JSONValue?) -> Double? {
        switch v {
        case .number(let n)? where n.isFinite && n >= 0: return n > 1e11 ? n / 1000 : n
        case .string(let s)? where !s.isEmpty && s.utf8.count <= maxTimeTextBytes:
            guard let t = TimestampParser.parse(Substring(s)), t.isFinite, t >= 0 else { return nil }
            return t
        default: return nil
        }
    }

    /// The smallest spacing of the (sorted, distinct) candles, in whole seconds (at least 1);
    /// one minute for fewer than two candles.
    static func timeframe(_ candles: [AnalysisCandle]) -> Timeframe {
        var smallest = Double.infinity
        for i in candles.indices.dropFirst() {
            smallest = min(smallest, candles[i].timestamp - candles[i - 1].timestamp)
        }
        guard smallest.isFinite else { return .oneMinute }
        return Timeframe(seconds: max(1, min(Int(smallest.rounded()), 604_800)))
    }
}
