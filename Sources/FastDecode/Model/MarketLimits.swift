/// What qflux accepts as a market time or price. Anything outside is malformed input: counted
/// (``MalformedKind/absurdValue``) and skipped, never passed on – a tick at `1e300` would
/// otherwise overflow every integer conversion downstream.
public enum MarketLimits {
    /// Epoch seconds from 1970-01-01 up to 2100-01-01 (PocketOption sends seconds with
    /// millisecond fractions; live times are around 1.7e9).
    public static let times: ClosedRange<Double> = 0 ... 4_102_444_800
    /// Prices above zero up to 10^12 (no quoted instrument comes near either end).
    public static let prices: ClosedRange<Double> = Double.leastNonzeroMagnitude ... 1e12

    /// Whether a time is finite and within ``times``.
    @inlinable
    public static func isSane(time: Double) -> Bool { times.contains(time) }

    /// Whether a price is finite and within ``prices``.
    @inlinable
    public static func isSane(price: Double) -> Bool { prices.contains(price) }

    /// Whether a tick's time and price are both sane.
    @inlinable
    public static func isSane(time: Double, price: Double) -> Bool { times.contains(time) && prices.contains(price) }
}
