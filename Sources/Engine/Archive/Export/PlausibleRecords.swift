import FastDecode

/// Whether archived records hold plausible market values (``MarketLimits``). An archive may
/// hold anything – a corrupted disk, an older writer, a poisoned file – and a time of 1e308, a
/// start of `Int64.max` or a NaN price traps the first integer conversion or overflowing
/// arithmetic that meets it. Every view of an archive (export, coverage, the analysis loader)
/// takes only plausible records and counts the others.
extension TickRecord {
    /// Time and price within ``MarketLimits``.
    @inlinable package var isPlausible: Bool { MarketLimits.isSane(time: time, price: price) }
}

extension CandleRecord {
    /// Start and prices within ``MarketLimits``, and a tick count from 0 to 2^32 - 1.
    @inlinable package var isPlausible: Bool {
        ticks >= 0 && ticks <= Int(UInt32.max) && MarketLimits.isSane(time: Double(start))
            && MarketLimits.isSane(price: open) && MarketLimits.isSane(price: high)
            && MarketLimits.isSane(price: low) && MarketLimits.isSane(price: close)
    }
}
