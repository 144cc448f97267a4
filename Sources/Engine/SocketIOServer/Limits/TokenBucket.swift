/// A token bucket: `rate` tokens a second, at most `burst` saved up, full at the start. Both
/// per-client inbound limits use it – the transport's packet rate (``ServerCore/admitInbound(_:bytes:)``)
/// and the event budget (``ServerCore`` + Limits).
struct TokenBucket {
    private var tokens = Double.nan  // NaN until first used: then full
    private var refilledAt: UInt64 = 0

    /// Takes `cost` tokens at monotonic time `now` (ns); false, taking nothing, when fewer are left.
    mutating func take(_ cost: Double = 1, now: UInt64, rate: Double, burst: Double) -> Bool {
        tokens = tokens.isNaN ? burst : min(burst, tokens + Double(now &- refilledAt) / 1e9 * rate)
        refilledAt = now
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }
}
