/// The signal engine's bounds. Work per closed candle is one push per evaluation of its
/// asset × timeframe; memory is bounded by the evaluations and the pending signals.
package struct SignalLimits: Sendable, Equatable {
    /// Most strategy specs one engine runs.
    package var maxSpecs = 16
    /// Most evaluations (asset × timeframe × strategy) kept; streams beyond it are not evaluated
    /// (counted in ``SignalEngine/Counters/refusedEvaluations``). 16,384 fits a screener of
    /// 1,000 assets × 4 timeframes × 3 strategies (12,000).
    package var maxEvaluations = 16_384
    /// Most signals waiting for their expiry; further signals are dropped (counted).
    package var maxPendingSignals = 65_536

    /// The defaults above.
    package init() {}
}
