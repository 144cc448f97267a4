import FastDecode

/// What one stream entry holds, judged the same way by every reader of Redis (the Redis-fed
/// node, the archiver): a tick or candle passes on only when every number is plain decimal text
/// (``DecimalField``) and its time and prices are sane (``MarketLimits/isSane(time:price:)``).
/// The rest is counted by the reader and never passed on or stored.
package enum EntryVerdict<Value: Sendable>: Sendable {
    /// Every field is there and sane.
    case accepted(Value)
    /// A field is missing, or is not a plain decimal number (hex floats, `inf`, `nan`, garbage).
    case malformed
    /// The numbers parse but lie outside ``MarketLimits`` (`1e308`, a negative price, a time of
    /// year 5000, an overflow to infinity).
    case absurd
}

extension StreamEntry {
    /// A tick entry (`time`, `price`) as a time and price.
    package var tickVerdict: EntryVerdict<PricePoint> {
        guard let time = double("time"), let price = double("price") else { return .malformed }
        guard MarketLimits.isSane(time: time, price: price) else { return .absurd }
        return .accepted(PricePoint(time: time, price: price))
    }

    /// A candle entry (`time`, `open`, `high`, `low`, `close`, optional `volume`) as a broker
    /// candle: the time and every price sane, the volume (when there) finite and not negative,
    /// as the decoder checks candles from the broker.
    package var candleVerdict: EntryVerdict<BrokerCandle> {
        guard let time = double("time"), let open = double("open"), let high = double("high"),
            let low = double("low"), let close = double("close")
        else { return .malformed }
        let volumeText = value("volume")
        let volume = volumeText.flatMap(DecimalField.parse)
        if volumeText != nil, volume == nil { return .malformed }
        guard MarketLimits.isSane(time: time, price: open), MarketLimits.isSane(time: time, price: high),
            MarketLimits.isSane(time: time, price: low), MarketLimits.isSane(time: time, price: close),
            volume.map({ $0.isFinite && $0 >= 0 }) ?? true
        else { return .absurd }
        return .accepted(BrokerCandle(time: time, open: open, high: high, low: low, close: close, volume: volume))
    }
}
