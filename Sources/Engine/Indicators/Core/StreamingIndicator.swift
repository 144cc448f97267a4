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

extension StreamingIndicator {
    /// Commits a closed candle and returns the value after it; a candle not newer than the last
    /// committed one is ignored and the current value is returned unchanged.
    @inlinable @discardableResult
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
    @inlinable
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
