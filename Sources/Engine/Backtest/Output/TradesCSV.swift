import Indicators
import TextWriters

/// The trade list as CSV: `timestamp,time,signal,entry_price,exit_price,won,profit,balance`.
package enum TradesCSV {
    /// CSV text with a header line; numbers in shortest round-trip form.
    package static func render(_ result: BacktestResult) -> String {
        var out = "timestamp,time,signal,entry_price,exit_price,won,profit,balance\n"
        for t in result.trades {
            out += "\(JSONWriter.format(t.timestamp)),\(TimestampParser.format(t.timestamp)),\(t.signal.rawValue),"
            out += "\(JSONWriter.format(t.entryPrice)),\(JSONWriter.format(t.exitPrice)),\(t.won),"
            out += "\(JSONWriter.format(t.profit)),\(JSONWriter.format(t.balance))\n"
        }
        return out
    }
}
