import FastDecode

extension CandleFormer {
    /// Applies a broker history snapshot to its asset without merging any tick twice.
    ///
    /// 1. **Ticks** (oldest first). A history tick whose time lies inside the asset's merged
    ///    range `[first merged, last merged]` is a repeat and is skipped (``CandleStats/duplicates``).
    ///    Newer ticks are merged like live ticks; older ones are merged into the candle of their
    ///    period with no lateness limit (history is not late), creating closed candles as needed.
    ///    Afterwards, live ticks no newer than the snapshot's newest tick are repeats too.
    /// 2. **Candles**, for each timeframe equal to the snapshot's `period` or a multiple of it
    ///    (coarser candles are aggregated from complete, gap-free groups). With tick data for the
    ///    asset, broker candles fill only the periods before the first merged tick; the candle of
    ///    the period holding that tick (which the ticks cover only partly) takes the broker's open
    ///    and is widened by its high/low. Without tick data, the newest broker candle becomes the
    ///    forming candle (the next tick replaces its close) and the older ones closed candles;
    ///    a `loadHistoryPeriodFast` page only adds complete closed candles older than the forming one.
    ///    Broker candles never replace a candle built from ticks; they carry `ticks == 0`.
    /// 3. **Events**: `.closed` as ticks cross periods, then one `.revised` per closed candle
    ///    changed (oldest first) and one `.updated` per timeframe whose forming candle changed.
    ///    No `.updated` per history tick.
    package mutating func seed(_ history: HistorySnapshot, _ emit: (CandleEvent) -> Void) {
        let asset = history.asset
        let a = Int(asset.rawValue)
        if a >= assets.count { addAssets(upTo: a) }
        let base = a * tfCount
        var changes = SeedChanges(timeframes: tfCount)

        // The range merged before this snapshot: the snapshot's own ticks never count as repeats.
        let knownFirst = assets[a].firstMerged, knownLast = assets[a].lastMerged
        var newestTick = -Double.infinity
        for point in history.ticks {
            let t = point.time, p = point.price
            guard MarketLimits.isSane(time: t, price: p) else { counters.invalid += 1; continue }
            if t > newestTick { newestTick = t }
            if t >= knownFirst && t <= knownLast {
                counters.duplicates += 1
                continue
            }
            counters.historyTicks += 1
            for k in 0..<tfCount {
                mergeHistoryTick(slot: base + k, timeframe: k, asset: asset, time: t, price: p, &changes, emit)
            }
            noteMerged(asset: a, time: t)
        }
        if newestTick > assets[a].historyEnd { assets[a].historyEnd = newestTick }
        // History is the broker's own account of the asset up to now (after a reconnect, of the
        // gap): its newest tick moves the stream's clock like a live tick.
        if newestTick > streamClock { advanceStreamClock(to: newestTick) }

        if let period = history.period, period > 0, !history.candles.isEmpty {
            for k in 0..<tfCount where timeframes[k].seconds % period == 0 {
                let groups = Self.aggregate(history.candles, period: period, into: timeframes[k])
                seedCandles(
                    groups, slot: base + k, timeframe: k, asset: asset,
                    newestMayForm: history.source == .updateHistoryNewFast, &changes, emit)
            }
        }

        for (j, start) in changes.revisedInOrder() {
            if let i = closed[j].index(of: start) { emit(.revised(closed[j][i].candle)) }
        }
        for k in 0..<tfCount where changes.forming[k] && slots[base + k].hasForming {
            emit(.updated(slots[base + k].forming.candle))
        }
    }

    /// Merges one history tick into the candle of its period (no lateness limit).
    mutating func mergeHistoryTick(
        slot j: Int, timeframe k: Int, asset: AssetID, time t: Double, price p: Double,
        _ changes: inout SeedChanges, _ emit: (CandleEvent) -> Void
    ) {
        let tf = timeframes[k]
        let s = tf.start(of: t)
        if slots[j].hasForming && s == slots[j].forming.candle.start {
            if slots[j].forming.merge(time: t, price: p) { counters.outOfOrder += 1 }
            changes.forming[k] = true
        } else if let reference = lateReference(slot: j, timeframe: tf), s < reference {
            if mergeIntoClosed(slot: j, asset: asset, timeframe: tf, start: s, time: t, price: p) != nil {
                changes.revised.append((j, s))
            } else {
                counters.lateDropped += 1
            }
        } else {
            openPeriod(slot: j, asset: asset, timeframe: tf, start: s, time: t, price: p, emit)
            changes.forming[k] = true
        }
    }

    /// Broker candles aggregated to one timeframe: only groups that start on the timeframe's
    /// boundary and have no missing sub-period. Oldest first.
    static func aggregate(_ candles: [BrokerCandle], period: Int, into tf: Timeframe) -> [BrokerGroup] {
        let sub = Timeframe(seconds: period)
        let step = Int64(period)
        let need = tf.seconds / period
        var groups: [BrokerGroup] = []
        var broken = false
        for bc in candles {
            guard MarketLimits.isSane(time: bc.time), MarketLimits.isSane(price: bc.open),
                MarketLimits.isSane(price: bc.high),
                MarketLimits.isSane(price: bc.low), MarketLimits.isSane(price: bc.close)
            else { continue }
            let s = sub.start(of: bc.time)
            let g = tf.start(of: Double(s))
            if var last = groups.last, last.start == g, !broken {
                if s <= last.lastSub { continue }  // repeated or unsorted: keep the first
                if s != last.lastSub + step { broken = true; groups.removeLast(); continue }
                last.high = max(last.high, bc.high)
                last.low = min(last.low, bc.low)
                last.close = bc.close
                last.lastSub = s
                last.parts += 1
                last.complete = last.parts == need
                groups[groups.count - 1] = last
            } else if groups.last?.start == g {
                continue  // rest of a broken group
            } else {
                broken = s != g
                if !broken {
                    groups.append(
                        BrokerGroup(
                            start: g, open: bc.open, high: bc.high, low: bc.low, close: bc.close,
                            lastSub: s, parts: 1, complete: need == 1))
                }
            }
        }
        return groups
    }

    /// Stores broker candles for one slot (see ``seed(_:_:)``).
    mutating func seedCandles(
        _ groups: [BrokerGroup], slot j: Int, timeframe k: Int, asset: AssetID,
        newestMayForm: Bool, _ changes: inout SeedChanges, _ emit: (CandleEvent) -> Void
    ) {
        guard let newest = groups.last else { return }
        let tf = timeframes[k]
        let a = Int(asset.rawValue)
        if assets[a].firstMerged.isFinite {
            let p0 = tf.start(of: assets[a].firstMerged)
            for g in groups {
                if g.start < p0 {
                    if g.complete { upsertBroker(g, slot: j, asset: asset, timeframe: tf, &changes) }
                } else if g.start == p0 {
                    mergeBrokerOpen(g, slot: j, timeframe: k, &changes)
                }
            }
            return
        }
        // No tick data: the newest candle of a recent snapshot is the forming one; an older page
        // (`loadHistoryPeriodFast`) only adds complete closed candles.
        if !newestMayForm {
            for g in groups where g.complete && !(slots[j].hasForming && g.start >= slots[j].forming.candle.start) {
                upsertBroker(g, slot: j, asset: asset, timeframe: tf, &changes)
            }
            return
        }
        if slots[j].hasForming && newest.start > slots[j].forming.candle.start {
            closeForming(slot: j, emit)
        }
        for g in groups {
            let candle = g.candle(asset: asset, timeframe: tf)
            if slots[j].hasForming && g.start == slots[j].forming.candle.start {
                if g.complete || g.start == newest.start, slots[j].forming.candle != candle {
                    slots[j].forming = TrackedCandle(candle: candle, firstTime: -.infinity, lastTime: -.infinity)
                    changes.forming[k] = true
                    counters.historyCandles += 1
                }
            } else if g.start == newest.start && !slots[j].hasForming
                && (closed[j].newestStart.map { $0 < g.start } ?? true)
            {
                let s = g.start
                slots[j].forming = TrackedCandle(candle: candle, firstTime: -.infinity, lastTime: -.infinity)
                slots[j].start = Double(s)
                slots[j].end = Double(s + Int64(tf.seconds))
                changes.forming[k] = true
                counters.historyCandles += 1
            } else if g.complete {
                upsertBroker(g, slot: j, asset: asset, timeframe: tf, &changes)
            }
        }
    }

    /// Stores a broker candle as a closed candle unless a tick-built candle holds its period.
    mutating func upsertBroker(
        _ g: BrokerGroup, slot j: Int, asset: AssetID, timeframe tf: Timeframe,
        _ changes: inout SeedChanges
    ) {
        let candle = g.candle(asset: asset, timeframe: tf)
        let tracked = TrackedCandle(candle: candle, firstTime: -.infinity, lastTime: .infinity)
        if let i = closed[j].index(of: g.start) {
            guard closed[j][i].candle.ticks == 0, closed[j][i].candle != candle else { return }
            closed[j][i] = tracked
        } else if closed[j].insert(tracked) == nil {
            return
        }
        counters.historyCandles += 1
        changes.revised.append((j, g.start))
    }

    /// The broker's view of the period holding the first merged tick: its open replaces ours
    /// (the broker saw earlier ticks), its high/low widen ours, our close stays.
    mutating func mergeBrokerOpen(_ g: BrokerGroup, slot j: Int, timeframe k: Int, _ changes: inout SeedChanges) {
        func apply(_ c: inout TrackedCandle) -> Bool {
            let before = c.candle
            if c.firstTime != -.infinity {
                c.candle.open = g.open
                c.firstTime = -.infinity
            }
            c.candle.high = max(c.candle.high, g.high)
            c.candle.low = min(c.candle.low, g.low)
            return c.candle != before
        }
        if slots[j].hasForming && slots[j].forming.candle.start == g.start {
            if apply(&slots[j].forming) { changes.forming[k] = true; counters.historyCandles += 1 }
        } else if let i = closed[j].index(of: g.start) {
            if apply(&closed[j][i]) { changes.revised.append((j, g.start)); counters.historyCandles += 1 }
        }
    }
}

/// Broker candles of one timeframe period, aggregated.
struct BrokerGroup {
    var start: Int64
    var open: Double
    var high: Double
    var low: Double
    var close: Double
    /// Start of the last sub-candle merged.
    var lastSub: Int64
    var parts: Int
    /// Every sub-period of the group is present.
    var complete: Bool

    func candle(asset: AssetID, timeframe: Timeframe) -> Candle {
        Candle(
            asset: asset, timeframe: timeframe, start: start, open: open, high: high, low: low,
            close: close, ticks: 0)
    }
}

/// What a history snapshot changed, for the events emitted at its end.
struct SeedChanges {
    /// Forming candle changed, per timeframe index.
    var forming: [Bool]
    /// Closed candles changed: (slot, start).
    var revised: [(Int, Int64)] = []

    init(timeframes: Int) { forming = Array(repeating: false, count: timeframes) }

    /// Distinct changed closed candles, by slot then start.
    func revisedInOrder() -> [(Int, Int64)] {
        let sorted = revised.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var out: [(Int, Int64)] = []
        for r in sorted where out.last.map({ $0 != r }) ?? true { out.append(r) }
        return out
    }
}
