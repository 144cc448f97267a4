/// What the ``CandleFormer`` reports. Consumers key candles by (asset, timeframe, start).
@usableFromInline package enum CandleEvent: Equatable, Sendable {
    /// The forming (not yet closed) candle changed: after every tick merged into it, and once
    /// per timeframe after a history snapshot changed it.
    case updated(Candle)
    /// The candle is complete: a later tick crossed its end, or ``CandleFormer/flush(_:)`` ran at
    /// the end of the stream. For one asset and timeframe, `.closed` candles arrive in strictly
    /// increasing `start` order, so an archive can append them.
    case closed(Candle)
    /// A closed candle's final values changed, or a closed candle appeared out of order: a late
    /// tick within the lateness window, or a history snapshot. Replace (or insert) the candle
    /// with this `start`; it may be older than candles already closed.
    case revised(Candle)

    /// The candle the event carries.
    @inlinable
    package var candle: Candle {
        switch self {
        case .updated(let c), .closed(let c), .revised(let c): return c
        }
    }
}

/// How far back a late tick may still change a closed candle (see `docs/candles.md`).
@usableFromInline package enum LatenessWindow: Equatable, Sendable {
    /// A tick may revise the candles of the `n` periods just before the forming candle's period
    /// (`n = 0`: late ticks are never merged).
    case candles(Int)
    /// A tick may revise a closed candle when its time is at most this many seconds before the
    /// newest tick time merged for its asset.
    case seconds(Double)

    /// One closed candle back.
    @usableFromInline package static let `default` = LatenessWindow.candles(1)
}

/// Counters kept by a ``CandleFormer``. "Per timeframe" counters count once for every timeframe
/// a tick was applied to (a tick late for `1m` may still be on time for `5m`).
@usableFromInline package struct CandleStats: Equatable, Sendable {
    /// Live ticks taken in (finite time and price, not a repeat of history).
    @usableFromInline package var ticks = 0
    /// Ticks (live or history) whose time or price is outside `MarketLimits` (not finite, ≤ 0, absurd), ignored.
    @usableFromInline package var invalid = 0
    /// Live ticks refused for jumping more than `CandleFormer.streamJumpLimit` ahead of the
    /// stream's clock (the newest time taken for any asset) without a second tick confirming the
    /// jump; see ``CandleFormer/add(_:_:)``.
    @usableFromInline package var aheadOfStream = 0
    /// Ticks ignored as repeats: live ticks no newer than the newest tick of an applied history
    /// snapshot, and history ticks inside the time range already merged for their asset.
    @usableFromInline package var duplicates = 0
    /// Per timeframe: ticks merged into the forming candle although older than its latest tick
    /// (they change high/low/count, never close).
    @usableFromInline package var outOfOrder = 0
    /// Per timeframe: late ticks merged into a closed candle (each emits `.revised`).
    @usableFromInline package var lateRevised = 0
    /// Per timeframe: late ticks outside the lateness window (or older than every kept candle).
    @usableFromInline package var lateDropped = 0
    /// Candles closed (per timeframe).
    @usableFromInline package var closed = 0
    /// History ticks merged.
    @usableFromInline package var historyTicks = 0
    /// Broker history candles stored or merged (per timeframe they were used for).
    @usableFromInline package var historyCandles = 0

    /// All zero.
    @usableFromInline package init() {}
}
