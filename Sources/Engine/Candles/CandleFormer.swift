import FastDecode

/// Builds OHLC candles for every asset in several timeframes at once, from ticks in the broker's
/// time (never the local clock). See `docs/candles.md` for the full policy.
///
/// - A candle covers `[start, start + period)` with `start = timeframe.start(of: tick.time)`.
/// - **Forming candle**: every tick of its period is merged. Open is the price of the
///   earliest-time tick, close the price of the latest-time tick (ties: arrival order), so a tick
///   older than the candle's latest tick changes high, low and count but never close.
/// - **Closing**: the first tick at or after the forming candle's end closes it (`.closed`) and
///   opens the next one; ``flush(_:)`` closes every forming candle at the end of a stream.
///   Empty periods (gaps) produce no candles.
/// - **Late ticks** (older than the forming candle's start) are never merged into the forming
///   candle. Within the ``LatenessWindow`` they revise (or create) the closed candle of their
///   period and emit `.revised`; otherwise they are counted in ``CandleStats/lateDropped``.
/// - **History** (``seed(_:_:)``) fills candles before and around the live data without merging
///   any tick twice.
///
/// Per-asset state lives in arrays indexed by `AssetID.rawValue`: `add` does no dictionary lookup
/// and, once an asset's closed-candle buffers are full, no allocation.
///
/// Not thread-safe: one engine thread owns a former.
@usableFromInline package struct CandleFormer: Sendable {
    /// Per (asset, timeframe): the forming candle and its period bounds.
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var forming: TrackedCandle
        /// Forming candle start/end as Double; both `+∞` when there is no forming candle, so the
        /// fast-path range test fails.
        @usableFromInline var start: Double
        @usableFromInline var end: Double

        @inlinable var hasForming: Bool { start != .infinity }
    }

    /// Per asset.
    @usableFromInline
    struct AssetState: Sendable {
        /// Earliest and latest tick time merged (live or history); `+∞`/`-∞` before any.
        @usableFromInline var firstMerged = Double.infinity
        @usableFromInline var lastMerged = -Double.infinity
        /// Newest tick time of any applied history snapshot; live ticks at or before it repeat
        /// history.
        @usableFromInline var historyEnd = -Double.infinity

        @usableFromInline init() {}
    }

    /// The timeframes formed, in the order given (duplicates removed).
    @usableFromInline package let timeframes: [Timeframe]
    /// How far back late ticks may revise closed candles.
    @usableFromInline package let latenessWindow: LatenessWindow
    /// Closed candles kept per asset and timeframe.
    @usableFromInline package let keepClosed: Int
    /// How far (seconds) a live tick may run ahead of the stream's clock before it needs a second
    /// tick to confirm the jump (default `MarketLimits.futureTolerance`; `.infinity`: no check).
    @usableFromInline package let streamJumpLimit: Double
    /// Counters.
    @usableFromInline package var stats: CandleStats { counters }
    @usableFromInline var counters = CandleStats()

    @usableFromInline let tfCount: Int
    /// `slots[asset * tfCount + k]`.
    @usableFromInline var slots: [Slot] = []
    /// Same indexing as `slots`.
    @usableFromInline var closed: [ClosedCandles] = []
    @usableFromInline var assets: [AssetState] = []
    /// The stream's clock: the newest tick time taken (live or history, any asset); `-∞` before any.
    @usableFromInline var streamClock = -Double.infinity
    /// `streamClock + streamJumpLimit`: a live tick past it jumps ahead of the stream. `+∞`
    /// before the first tick (nothing to jump from).
    @usableFromInline var streamClockLimit = Double.infinity
    /// The time of the last live tick refused for jumping ahead, until a tick within the limit
    /// comes (`nan` when none): a second jump near it confirms the stream really moved on.
    @usableFromInline var pendingJump = Double.nan

    /// Creates a former.
    /// - Parameters:
    ///   - timeframes: the periods to form (default: one minute). Must not be empty.
    ///   - latenessWindow: how far back a late tick may revise a closed candle.
    ///   - keepClosed: closed candles kept per asset and timeframe for ``recentCandles(asset:timeframe:)``
    ///     and for revisions (a candle no longer kept cannot be revised).
    ///   - streamJumpLimit: seconds a live tick may run ahead of the stream's clock unconfirmed
    ///     (see ``add(_:_:)``); `.infinity` turns the check off.
    @usableFromInline package init(
        timeframes: [Timeframe] = [.oneMinute],
        latenessWindow: LatenessWindow = .default,
        keepClosed: Int = 500,
        streamJumpLimit: Double = MarketLimits.futureTolerance
    ) {
        var seen = Set<Timeframe>()
        let tfs = timeframes.filter { seen.insert($0).inserted }
        precondition(!tfs.isEmpty, "CandleFormer needs at least one timeframe")
        self.timeframes = tfs
        self.tfCount = tfs.count
        self.latenessWindow = latenessWindow
        self.keepClosed = max(0, keepClosed)
        self.streamJumpLimit = streamJumpLimit.isNaN ? MarketLimits.futureTolerance : max(0, streamJumpLimit)
    }

    // MARK: - Live ticks

    /// Merges one live tick into every timeframe of its asset, emitting `.updated` for each
    /// forming candle it changed, `.closed` for each candle it closed and `.revised` for each
    /// closed candle a late tick changed. Ticks no newer than an applied history snapshot's newest
    /// tick are repeats (taken, not merged).
    ///
    /// Refused (counted, nothing changed): a time or price outside `MarketLimits`
    /// (``CandleStats/invalid``), and a tick more than ``streamJumpLimit`` ahead of the stream's
    /// clock (the newest time taken for any asset) unless the tick before it jumped to about the
    /// same time (``CandleStats/aheadOfStream``) – one such tick would otherwise open a candle far
    /// ahead and make every later tick of its asset late. A real jump (a gap in a recording, a
    /// reconnect without history) costs its first tick, counted.
    /// - Returns: whether the tick was taken (false when refused).
    @inlinable @discardableResult
    package mutating func add(_ tick: Tick, _ emit: (CandleEvent) -> Void) -> Bool {
        let t = tick.time
        let p = tick.price
        guard MarketLimits.isSane(time: t, price: p) else { counters.invalid &+= 1; return false }
        if t > streamClockLimit {
            guard confirmsJump(to: t) else { return false }
        } else {
            pendingJump = .nan
        }
        let a = Int(tick.asset.rawValue)
        if a >= assets.count { addAssets(upTo: a) }
        if t > streamClock { advanceStreamClock(to: t) }
        if t <= assets[a].historyEnd { counters.duplicates &+= 1; return true }
        counters.ticks &+= 1
        let base = a &* tfCount
        var merged = false
        for k in 0..<tfCount {
            let j = base &+ k
            if t >= slots[j].start && t < slots[j].end {
                if slots[j].forming.merge(time: t, price: p) { counters.outOfOrder &+= 1 }
                emit(.updated(slots[j].forming.candle))
                merged = true
            } else if addSlow(slot: j, timeframe: k, asset: tick.asset, time: t, price: p, emit) {
                merged = true
            }
        }
        if merged { noteMerged(asset: a, time: t) }
        return true
    }

    /// A live tick past ``streamClockLimit``: taken when the previous tick jumped to within
    /// ``streamJumpLimit`` of it (the stream moved on: a gap in a recording, a reconnect),
    /// otherwise refused, counted and remembered.
    @usableFromInline
    mutating func confirmsJump(to t: Double) -> Bool {
        if abs(t - pendingJump) <= streamJumpLimit {  // false while `nan`
            pendingJump = .nan
            return true
        }
        pendingJump = t
        counters.aheadOfStream &+= 1
        return false
    }

    /// Moves the stream's clock forward to `t`.
    @inlinable
    mutating func advanceStreamClock(to t: Double) {
        streamClock = t
        streamClockLimit = t + streamJumpLimit
    }

    /// Records a merged tick time for history de-duplication.
    @inlinable
    mutating func noteMerged(asset a: Int, time t: Double) {
        if t > assets[a].lastMerged { assets[a].lastMerged = t }
        if t < assets[a].firstMerged { assets[a].firstMerged = t }
    }

    /// A live tick outside the forming candle's period: no forming candle yet, a new period
    /// (close and open), or a late tick. Returns whether the tick was merged.
    @usableFromInline
    mutating func addSlow(
        slot j: Int, timeframe k: Int, asset: AssetID, time t: Double, price p: Double,
        _ emit: (CandleEvent) -> Void
    ) -> Bool {
        let tf = timeframes[k]
        let s = tf.start(of: t)
        if let reference = lateReference(slot: j, timeframe: tf), s < reference {
            guard withinWindow(start: s, reference: reference, timeframe: tf, asset: asset, time: t),
                let revised = mergeIntoClosed(slot: j, asset: asset, timeframe: tf, start: s, time: t, price: p)
            else {
                counters.lateDropped &+= 1
                return false
            }
            counters.lateRevised &+= 1
            emit(.revised(revised))
            return true
        }
        openPeriod(slot: j, asset: asset, timeframe: tf, start: s, time: t, price: p, emit)
        emit(.updated(slots[j].forming.candle))
        return true
    }

    /// Start of the oldest period a tick may open or merge into without being late: the forming
    /// candle's start, or the period after the newest closed candle; `nil` when the slot is empty.
    @usableFromInline
    func lateReference(slot j: Int, timeframe tf: Timeframe) -> Int64? {
        if slots[j].hasForming { return slots[j].forming.candle.start }
        if let newest = closed[j].newestStart { return newest + Int64(tf.seconds) }
        return nil
    }

    @usableFromInline
    func withinWindow(start s: Int64, reference: Int64, timeframe tf: Timeframe, asset: AssetID, time t: Double) -> Bool
    {
        switch latenessWindow {
        case .candles(let n):
            return s >= reference - Int64(n) * Int64(tf.seconds)
        case .seconds(let w):
            return t >= assets[Int(asset.rawValue)].lastMerged - w
        }
    }

    /// Closes the forming candle (if any) and opens one at `start` with the tick; `start` is
    /// after every kept candle.
    @usableFromInline
    mutating func openPeriod(
        slot j: Int, asset: AssetID, timeframe tf: Timeframe, start s: Int64,
        time t: Double, price p: Double, _ emit: (CandleEvent) -> Void
    ) {
        closeForming(slot: j, emit)
        slots[j].forming = TrackedCandle(asset: asset, timeframe: tf, start: s, time: t, price: p)
        slots[j].start = Double(s)
        slots[j].end = Double(s + Int64(tf.seconds))
    }

    /// Moves the forming candle (if any) to the closed candles and emits `.closed`.
    @usableFromInline
    mutating func closeForming(slot j: Int, _ emit: (CandleEvent) -> Void) {
        guard slots[j].hasForming else { return }
        let c = slots[j].forming
        closed[j].append(c)
        slots[j].start = .infinity
        slots[j].end = .infinity
        counters.closed &+= 1
        emit(.closed(c.candle))
    }

    /// Merges a tick into the closed candle of period `start`, creating it if the period had no
    /// candle. Returns the candle, or `nil` when it is older than every kept candle.
    @usableFromInline
    mutating func mergeIntoClosed(
        slot j: Int, asset: AssetID, timeframe tf: Timeframe, start s: Int64,
        time t: Double, price p: Double
    ) -> Candle? {
        if let i = closed[j].index(of: s) {
            closed[j][i].merge(time: t, price: p)
            return closed[j][i].candle
        }
        let c = TrackedCandle(asset: asset, timeframe: tf, start: s, time: t, price: p)
        guard closed[j].insert(c) != nil else { return nil }
        return c.candle
    }

    /// Grows the per-asset arrays so `a` is a valid index.
    @usableFromInline
    mutating func addAssets(upTo a: Int) {
        while assets.count <= a {
            let id = AssetID(rawValue: UInt32(assets.count))
            assets.append(AssetState())
            for tf in timeframes {
                let placeholder = TrackedCandle(asset: id, timeframe: tf, start: 0, time: 0, price: 0)
                slots.append(Slot(forming: placeholder, start: .infinity, end: .infinity))
                closed.append(ClosedCandles(limit: keepClosed))
            }
        }
    }

    // MARK: - End of stream

    /// Closes every forming candle (emitting `.closed`), e.g. at the end of a replay. A later tick
    /// of a flushed period is a late tick.
    @usableFromInline package mutating func flush(_ emit: (CandleEvent) -> Void) {
        for j in slots.indices { closeForming(slot: j, emit) }
    }

    // MARK: - Queries

    /// Index of `timeframe` in ``timeframes``.
    @usableFromInline
    func slotIndex(asset: AssetID, timeframe: Timeframe) -> Int? {
        let a = Int(asset.rawValue)
        guard a < assets.count, let k = timeframes.firstIndex(of: timeframe) else { return nil }
        return a * tfCount + k
    }

    /// The forming candle of an asset and timeframe, if any.
    @usableFromInline package func forming(asset: AssetID, timeframe: Timeframe) -> Candle? {
        guard let j = slotIndex(asset: asset, timeframe: timeframe), slots[j].hasForming else { return nil }
        return slots[j].forming.candle
    }

    /// The kept closed candles followed by the forming one, oldest first (at most
    /// `keepClosed + 1`).
    @usableFromInline package func recentCandles(asset: AssetID, timeframe: Timeframe) -> [Candle] {
        guard let j = slotIndex(asset: asset, timeframe: timeframe) else { return [] }
        var out = closed[j].candles
        if slots[j].hasForming { out.append(slots[j].forming.candle) }
        return out
    }

    /// Number of asset ids seen (the largest id plus one).
    @usableFromInline package var assetCount: Int { assets.count }
}
