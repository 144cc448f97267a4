/// The signal engine's bounds. Work per closed candle is one push per evaluation of its
/// asset × timeframe; memory is bounded by the evaluations and the pending signals.
package struct SignalLimits: Sendable, Equatable {
    /// Most strategy specs one engine runs: screened ones (`--signals`) and those added while it
    /// runs (on-demand `subscribe_signals`, one per strategy × timeframe) together.
    package var maxSpecs = 16
    /// Most evaluations (asset × timeframe × strategy) kept; streams beyond it are not evaluated
    /// (counted in ``SignalEngine/Counters/refusedEvaluations``). 16,384 fits a screener of
    /// 1,000 assets × 4 timeframes × 3 strategies (12,000).
    package var maxEvaluations = 16_384
    /// Most signals waiting for their expiry; further signals are dropped (counted).
    package var maxPendingSignals = 65_536
    /// Closed candles kept per asset × timeframe to rebuild its evaluations when older candles
    /// arrive after newer ones (a history snapshot after the first live candles). 128 covers
    /// `quantum_flux`'s 50 closes exactly; indicator strategies restart from these candles. A
    /// spec added while the engine runs is seeded with as many of the server's recent candles.
    package var keptCandles = 128

    /// The defaults above.
    package init() {}
}
