/// Bounds on live indicators (`subscribe_indicators`): the requests come from untrusted clients,
/// so every dimension that costs memory or CPU on the network thread is capped.
///
/// Worst case memory with the defaults: a windowed indicator keeps one ring of at most
/// ``maxPeriod`` doubles (8 KB), so 256 computations × 16 indicators stay well under 100 MB.
package struct LiveIndicatorLimits: Sendable, Equatable {
    /// Indicators (spec entries such as `ema(20)`) one client may hold over all its pairs.
    package var maxIndicatorsPerClient = 16
    /// Asset × timeframe pairs with live indicators per client.
    package var maxPairsPerClient = 8
    /// Distinct computations (asset × timeframe × spec set) on the whole server; clients asking
    /// for the same set on the same pair share one.
    package var maxComputations = 256
    /// Computations that clients of one peer address may have started (and that still run): half
    /// of the default ``maxComputations``, so connections from one address cannot take them all.
    package var maxComputationsPerAddress = 128
    /// Largest whole-number parameter (periods: `sma(1000)`); TA-Lib allows 100000.
    package var maxPeriod = 1000
    /// Longest indicator spec text (bytes, all entries of one request together).
    package var maxSpecBytes = 512
    /// Indicator history requests one client may have queued on the worker at once.
    package var maxPendingPerClient = 4

    /// The defaults above.
    package init() {}
}
