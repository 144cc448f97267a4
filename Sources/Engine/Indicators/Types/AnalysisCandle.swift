/// One OHLCV candle as the analysis code sees it: plain numbers, time in epoch seconds.
///
/// `timestamp` is the candle's open time (seconds since 1970-01-01 UTC, fractions allowed).
/// `volume` defaults to 1000, the value the original tool used when a CSV file had no volume.
package struct AnalysisCandle: Sendable, Equatable, Hashable {
    /// Open time in seconds since the Unix epoch (UTC).
    package var timestamp: Double
    /// First price of the candle.
    package var open: Double
    /// Highest price of the candle.
    package var high: Double
    /// Lowest price of the candle.
    package var low: Double
    /// Last price of the candle.
    package var close: Double
    /// Traded volume (1000 when the source has none).
    package var volume: Double

    /// Creates a candle; `volume` defaults to 1000 like the original tool's missing-volume rule.
    package init(timestamp: Double, open: Double, high: Double, low: Double, close: Double, volume: Double = 1000) {
        self.timestamp = timestamp
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}
