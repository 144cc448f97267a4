import Indicators
import TextWriters

/// The backtest result as JSON in the original tool's shape:
/// `{trades:[{timestamp, signal, entry_price, exit_price, won, profit, balance}],
///   equity_curve:[{timestamp, balance}], statistics:{total_trades, wins, losses, win_rate,
///   starting_balance, ending_balance, total_profit, profit_percentage}}`
/// optionally followed by `"extended": {...}` (qflux's statistics) and `"strategy"`.
package enum BacktestJSON {
    /// How trade timestamps are written.
    package enum TimestampStyle: Sendable {
        /// Epoch seconds as numbers.
        case epochSeconds
        /// `YYYY-mm-dd HH:MM:SS` strings (UTC), the original CSV's form.
        case text
    }

    /// Encodes `result`; `extended` adds the `extended` object; `skippedRecords` > 0 adds
    /// `"skipped_records": N` (input records left out for absurd values).
    package static func encode(
        _ result: BacktestResult, timestamps: TimestampStyle = .epochSeconds,
        extended: ExtendedStatistics? = nil, skippedRecords: Int = 0
    ) -> String {
        String(
            decoding: bytes(result, timestamps: timestamps, extended: extended, skippedRecords: skippedRecords),
            as: UTF8.self)
    }

    /// ``encode(_:timestamps:extended:skippedRecords:)``'s text as UTF-8 bytes, written into one
    /// buffer sized for the trades up front (epoch seconds: row by row through a pointer,
    /// ``BacktestJSONRows``); `reserving` more bytes after it (a newline) costs no copy.
    package static func bytes(
        _ result: BacktestResult, timestamps: TimestampStyle = .epochSeconds,
        extended: ExtendedStatistics? = nil, skippedRecords: Int = 0, reserving extra: Int = 0
    ) -> [UInt8] {
        var tail = JSONWriter(capacity: 4096)
        tail.raw(",\"statistics\":"); tail.statistics(result.statistics)
        if let x = extended {
            tail.raw(",\"strategy\":"); tail.string(result.strategy)
            tail.raw(",\"extended\":")
            tail.json(x.json())
        }
        if skippedRecords > 0 { tail.raw(",\"skipped_records\":"); tail.int(skippedRecords) }
        tail.raw("}")
        if timestamps == .epochSeconds {
            // The rows (nearly all the bytes) written straight into the result, then the rest.
            var out = BacktestJSONRows.bytes(result, reserving: tail.bytes.count + extra)
            out.append(contentsOf: tail.bytes)
            return out
        }
        var w = JSONWriter(capacity: 4096 + extra + result.trades.count * 176 + result.equityCurve.count * 64)
        rows(result, into: &w)
        w.raw(tail.bytes)
        return w.bytes
    }

    /// The trades and the equity curve through the writer (text timestamps).
    private static func rows(_ result: BacktestResult, into w: inout JSONWriter) {
        func time(_ t: Double) { w.string(TimestampParser.format(t)) }
        w.raw("{\"trades\":[")
        for (i, t) in result.trades.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"timestamp\":"); time(t.timestamp)
            w.raw(",\"signal\":"); w.string(t.signal.rawValue)
            w.raw(",\"entry_price\":"); w.float(t.entryPrice)
            w.raw(",\"exit_price\":"); w.float(t.exitPrice)
            w.raw(",\"won\":"); w.boolean(t.won)
            w.raw(",\"profit\":"); w.float(t.profit)
            w.raw(",\"balance\":"); w.float(t.balance)
            w.raw("}")
        }
        w.raw("],\"equity_curve\":[")
        for (i, e) in result.equityCurve.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"timestamp\":"); time(e.timestamp)
            w.raw(",\"balance\":"); w.float(e.balance)
            w.raw("}")
        }
        w.raw("]")
    }
}

extension JSONWriter {
    /// The original's `statistics` object (its key order; whole doubles as `10000.0`).
    package mutating func statistics(_ s: OriginalStatistics) {
        raw("{\"total_trades\":"); int(s.totalTrades)
        raw(",\"wins\":"); int(s.wins)
        raw(",\"losses\":"); int(s.losses)
        raw(",\"win_rate\":"); float(s.winRate)
        raw(",\"starting_balance\":"); float(s.startingBalance)
        raw(",\"ending_balance\":"); float(s.endingBalance)
        raw(",\"total_profit\":"); float(s.totalProfit)
        raw(",\"profit_percentage\":"); float(s.profitPercentage)
        raw("}")
    }
}
