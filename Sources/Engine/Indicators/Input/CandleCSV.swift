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
///
/// Both entry points read through ``CandleCSVReader`` (bytes, one pass, into columns) and return
/// the candles as values; the analysis commands use the reader's columns directly.
package enum CandleCSV {
    /// Parses CSV text into candles (in file order).
    package static func parse(_ text: String) throws(CandleCSVError) -> [AnalysisCandle] {
        var text = text
        let read = text.withUTF8 { u in
            Result { () throws(CandleCSVError) in try CandleCSVReader.read(UnsafeRawBufferPointer(u)) }
        }
        return try read.get().rows
    }

    /// Reads and parses a CSV file.
    package static func load(path: String) throws(CandleCSVError) -> [AnalysisCandle] {
        try CandleCSVReader.read(path: path).rows
    }
}
