import FastDecode

/// An OHLC candle formed by qflux (or seeded from broker history).
@usableFromInline package struct Candle: Equatable, Sendable {
    /// The asset.
    @usableFromInline package var asset: AssetID
    /// The candle period.
    @usableFromInline package var timeframe: Timeframe
    /// Start time, epoch seconds, a multiple of the timeframe (tick time, never local time).
    @usableFromInline package var start: Int64
    @usableFromInline package var open: Double
    @usableFromInline package var high: Double
    @usableFromInline package var low: Double
    @usableFromInline package var close: Double
    /// Ticks merged into the candle (0 for a candle known only from broker history).
    @usableFromInline package var ticks: Int

    /// Creates a candle.
    @usableFromInline package init(
        asset: AssetID, timeframe: Timeframe, start: Int64,
        open: Double, high: Double, low: Double, close: Double, ticks: Int
    ) {
        self.asset = asset
        self.timeframe = timeframe
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.ticks = ticks
    }

    /// A candle opened by one tick.
    @usableFromInline package init(asset: AssetID, timeframe: Timeframe, start: Int64, price: Double) {
        self.init(
            asset: asset, timeframe: timeframe, start: start,
            open: price, high: price, low: price, close: price, ticks: 1)
    }
}
