/// A streaming indicator: O(1) state updated by closed candles, with side-effect-free previews.
///
/// - `push(_:)` commits a closed candle. A candle whose timestamp is not after the last committed
///   candle's is **ignored** (the committed state and value stay as they are), so seeding from
///   history and then pushing live candles that overlap it never counts a candle twice.
/// - `preview(_:)` computes the value as if the still-forming candle were appended, without
///   changing anything; call it any number of times as the candle is revised: nothing drifts.
/// - Values are nil before the indicator's TA-Lib lookback.
package protocol StreamingIndicator: Sendable {
    /// The value type (a number, or a small struct for multi-output indicators).
    associatedtype Output: Sendable
    /// A computed-but-uncommitted update.
    associatedtype Step

    /// Timestamp of the last committed candle, nil before the first.
    var lastTimestamp: Double? { get set }
    /// The value after the last committed candle.
    var current: Output? { get set }
    /// TA-Lib's lookback: candles consumed before the first value.
    var lookback: Int { get }

    /// Computes the update `candle` would make, reading the state only.
    func step(for candle: AnalysisCandle) -> Step
    /// The value a step yields.
    func output(of step: Step) -> Output?
    /// Commits a step computed for `candle`.
    mutating func commit(_ step: Step, candle: AnalysisCandle)
}

// `push` and `preview` are written once, here, for every kind. Each kind's specialisation is
// exported (`@_specialize(exported: true, where Self == Kind)`): a caller in another module
// (Backtest's strategies, the server, the bench) calls the kind's compiled copy, with `step`,
// `commit` and `output` inlined into it – one direct call, as fast as the hand-written pairs each
// kind used to carry (qflux-bench backtest, alternated: RSI preview and the quantum_flux_ta sweep
// within the machine's noise; the same defaults without the exported specialisations, `@inlinable`
// into the caller, were 2.8× and 3.5× slower: the caller then calls step, commit and output one by
// one). A new kind adds its line to both lists; without it, callers in other modules get the
// generic code (correct, slower).
extension StreamingIndicator {
    /// Commits a closed candle and returns the value after it; a candle not newer than the last
    /// committed one is ignored and the current value is returned unchanged.
    @_specialize(exported:true,where Self == SMA)
    @_specialize(exported:true,where Self == EMA)
    @_specialize(exported:true,where Self == WMA)
    @_specialize(exported:true,where Self == RSI)
    @_specialize(exported:true,where Self == MACD)
    @_specialize(exported:true,where Self == BollingerBands)
    @_specialize(exported:true,where Self == Stochastic)
    @_specialize(exported:true,where Self == ATR)
    @_specialize(exported:true,where Self == CCI)
    @_specialize(exported:true,where Self == WilliamsR)
    @_specialize(exported:true,where Self == ROC)
    @_specialize(exported:true,where Self == ADX)
    @_specialize(exported:true,where Self == SuperTrend)
    @_specialize(exported:true,where Self == DeMarker)
    @_specialize(exported:true,where Self == SchaffTrendCycle)
    @discardableResult
    package mutating func push(_ candle: AnalysisCandle) -> Output? {
        if let last = lastTimestamp, candle.timestamp <= last { return current }
        let s = step(for: candle)
        commit(s, candle: candle)
        lastTimestamp = candle.timestamp
        current = output(of: s)
        return current
    }

    /// The value as if `candle` (a still-forming candle) were appended; changes nothing.
    /// A candle not newer than the last committed one previews as the current value.
    @_specialize(exported:true,where Self == SMA)
    @_specialize(exported:true,where Self == EMA)
    @_specialize(exported:true,where Self == WMA)
    @_specialize(exported:true,where Self == RSI)
    @_specialize(exported:true,where Self == MACD)
    @_specialize(exported:true,where Self == BollingerBands)
    @_specialize(exported:true,where Self == Stochastic)
    @_specialize(exported:true,where Self == ATR)
    @_specialize(exported:true,where Self == CCI)
    @_specialize(exported:true,where Self == WilliamsR)
    @_specialize(exported:true,where Self == ROC)
    @_specialize(exported:true,where Self == ADX)
    @_specialize(exported:true,where Self == SuperTrend)
    @_specialize(exported:true,where Self == DeMarker)
    @_specialize(exported:true,where Self == SchaffTrendCycle)
    package func preview(_ candle: AnalysisCandle) -> Output? {
        if let last = lastTimestamp, candle.timestamp <= last { return current }
        return output(of: step(for: candle))
    }

    /// Pushes closed candles in order (history seeding); overlapping candles are ignored.
    @inlinable
    package mutating func seed<S: Sequence>(_ candles: S) where S.Element == AnalysisCandle {
        for c in candles { push(c) }
    }
}
