import FastDecode

/// A candle plus the tick times that decide which tick may set its open and close.
///
/// Open is the price of the earliest-time tick (first arrival wins a tie); close is the price of
/// the latest-time tick (last arrival wins a tie). Broker-history candles use `-∞`/`+∞` so a tick
/// can widen them but not replace the broker's open or close.
@usableFromInline
struct TrackedCandle: Sendable {
    @usableFromInline var candle: Candle
    /// Time of the tick that set `open`.
    @usableFromInline var firstTime: Double
    /// Time of the tick that set `close`.
    @usableFromInline var lastTime: Double

    @inlinable
    init(candle: Candle, firstTime: Double, lastTime: Double) {
        self.candle = candle
        self.firstTime = firstTime
        self.lastTime = lastTime
    }

    /// A candle opened by one tick.
    @inlinable
    init(asset: AssetID, timeframe: Timeframe, start: Int64, time: Double, price: Double) {
        self.init(
            candle: Candle(asset: asset, timeframe: timeframe, start: start, price: price),
            firstTime: time, lastTime: time)
    }

    /// Merges a tick of this candle's period. Returns `true` when the tick was older than the
    /// latest tick already merged (it then leaves `close` alone).
    @inlinable
    @discardableResult
    mutating func merge(time t: Double, price p: Double) -> Bool {
        if p > candle.high { candle.high = p }
        if p < candle.low { candle.low = p }
        candle.ticks &+= 1
        if t < firstTime {
            candle.open = p
            firstTime = t
        }
        if t >= lastTime {
            candle.close = p
            lastTime = t
            return false
        }
        return true
    }
}
