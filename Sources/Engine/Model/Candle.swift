import FastDecode

/// An OHLC candle formed by qflux (or seeded from broker history).
public struct Candle: Equatable, Sendable {
    /// The asset.
    public var asset: AssetID
    /// The candle period.
    public var timeframe: Timeframe
    /// Start time, epoch seconds, a multiple of the timeframe (tick time, never local time).
    public var start: Int64
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    /// Ticks merged into the candle (0 for a candle known only from broker history).
    public var ticks: Int

    /// Creates a candle.
    public init(asset: AssetID, timeframe: Timeframe, start: Int64,
                open: Double, high: Double, low: Double, close: Double, ticks: Int) {
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
    public init(asset: AssetID, timeframe: Timeframe, start: Int64, price: Double) {
        self.init(asset: asset, timeframe: timeframe, start: start,
                  open: price, high: price, low: price, close: price, ticks: 1)
    }
}
