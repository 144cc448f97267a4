import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What qflux accepts as a market time or price. Anything outside is malformed input: counted
/// (``MalformedKind/absurdValue``) and skipped, never passed on – a tick at `1e300` would
/// otherwise overflow every integer conversion downstream, and a tick dated 2099 would move an
/// asset's candle clock so far ahead that every later tick of it is late.
///
/// No real market datum, live or recorded, is dated after the moment it is read, so a time more
/// than ``futureTolerance`` past this machine's clock is absurd everywhere (live, replay, history,
/// Redis, CSV). The check costs no clock read per call: the newest acceptable time is cached and
/// the clock is read again only when a time lies past the cached bound (once per
/// ``futureTolerance`` of steady live input, and once per refused future time).
public enum MarketLimits {
    /// Clock skew tolerated between the time a datum carries and this machine's clock: 10 minutes.
    /// A broker or a recording whose clock runs further ahead than that has its ticks refused.
    public static let futureTolerance: Double = 600
    /// Prices above zero up to 10^12 (no quoted instrument comes near either end).
    public static let prices: ClosedRange<Double> = Double.leastNonzeroMagnitude...1e12

    /// The cached upper bound for times (bit pattern of a `Double`): at most the wall clock of
    /// its last refresh plus ``futureTolerance``, so never later than now plus the tolerance.
    /// Starts at `0.0`: the first positive time refreshes it.
    @usableFromInline static let cachedLatestTime = Atomic<UInt64>(0)

    /// Epoch seconds accepted now: from 1970-01-01 up to this machine's clock plus
    /// ``futureTolerance`` (PocketOption sends seconds with millisecond fractions).
    public static var times: ClosedRange<Double> { 0...refreshedLatestTime() }

    /// Whether a time is finite, not before 1970 and at most ``futureTolerance`` past this
    /// machine's clock.
    @inlinable
    public static func isSane(time: Double) -> Bool {
        // NaN fails both comparisons; so does +∞ (it is past any bound, then past the fresh one).
        if time >= 0 && time <= Double(bitPattern: cachedLatestTime.load(ordering: .relaxed)) { return true }
        return isSaneAfterRefresh(time: time)
    }

    /// Whether a price is finite and within ``prices``.
    @inlinable
    public static func isSane(price: Double) -> Bool { prices.contains(price) }

    /// Whether a tick's time and price are both sane.
    @inlinable
    public static func isSane(time: Double, price: Double) -> Bool { prices.contains(price) && isSane(time: time) }

    /// The slow path of ``isSane(time:)``: the time is negative, not finite, or past the cached
    /// bound, which may be stale – read the clock once and compare again.
    @usableFromInline
    static func isSaneAfterRefresh(time: Double) -> Bool {
        guard time >= 0, time.isFinite else { return false }
        return time <= refreshedLatestTime()
    }

    /// Reads the wall clock, stores `now + futureTolerance` as the cached bound and returns it.
    /// Concurrent callers may race; each stores a bound from its own reading of the clock, all
    /// within a few microseconds of each other, so the cache stays within the tolerance.
    @usableFromInline
    static func refreshedLatestTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let latest = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + futureTolerance
        cachedLatestTime.store(latest.bitPattern, ordering: .relaxed)
        return latest
    }
}
