import Candles
import FastDecode

/// The newest candle of each `updateHistoryNewFast` history, held until the stream shows it
/// closed: a later tick of that asset, or a stream clock (the newest tick of any asset, the
/// history's own ticks included) past the candle's end. A history older than the latest tick
/// therefore has its newest candle closed at once (a market closed over the weekend while others
/// tick); one that arrives while the candle is forming has it completed by that asset's ticks
/// until one falls past its end. Owned by the thread that decodes (``HistoryWatch``'s reader).
///
/// Bounded: one candle per asset × period (``maxHeld`` in all; past that the held candle ending
/// first is given up, not archived – the next visit brings it again).
struct NewestCandleTracker {
    /// Most candles held at once.
    static let maxHeld = 4096

    /// Held candles per asset (one per period).
    private var forming: [AssetID: [Candle]] = [:]
    private var held = 0
    /// The newest tick time seen (broker clock), -∞ before the first.
    private(set) var streamClock = -Double.infinity
    /// The earliest end of a held candle (+∞ when none is held).
    private var nextEnd = Double.infinity

    private static func end(_ c: Candle) -> Double { Double(c.start + Int64(c.timeframe.seconds)) }

    /// A history arrived: its ticks advance the clock; its newest candle is closed now (appended
    /// to `closed`) or held.
    mutating func history(_ h: HistorySnapshot, into closed: inout [Candle]) {
        for p in h.ticks where MarketLimits.isSane(time: p.time) { streamClock = max(streamClock, p.time) }
        if let newest = HistoryArchiver.newestCandle(of: h) {
            var list = forming[h.asset] ?? []
            if let i = list.firstIndex(where: { $0.timeframe == newest.timeframe }) {
                list.remove(at: i)
                held -= 1
            }
            if streamClock >= Self.end(newest) {
                closed.append(newest)
            } else {
                list.append(newest)
                held += 1
                nextEnd = min(nextEnd, Self.end(newest))
            }
            forming[h.asset] = list.isEmpty ? nil : list
            if held > Self.maxHeld { dropEarliest() }
        }
        if streamClock >= nextEnd { sweep(into: &closed) }
    }

    /// A live tick: completes the held candles of its asset that it falls in, closes those it is past.
    mutating func tick(_ t: Tick, into closed: inout [Candle]) {
        streamClock = max(streamClock, t.time)
        if var list = forming[t.asset] {
            let before = list.count
            list.removeAll { c in
                if t.time >= Self.end(c) {
                    closed.append(c)
                    return true
                }
                return false
            }
            for i in list.indices where t.time >= Double(list[i].start) {
                list[i].high = max(list[i].high, t.price)
                list[i].low = min(list[i].low, t.price)
                list[i].close = t.price
            }
            held -= before - list.count
            forming[t.asset] = list.isEmpty ? nil : list
        }
        if streamClock >= nextEnd { sweep(into: &closed) }
    }

    /// Closes every held candle the stream clock is past.
    private mutating func sweep(into closed: inout [Candle]) {
        var earliest = Double.infinity
        for (asset, list) in forming {
            var kept: [Candle] = []
            for c in list {
                if streamClock >= Self.end(c) {
                    closed.append(c)
                } else {
                    kept.append(c); earliest = min(earliest, Self.end(c))
                }
            }
            held -= list.count - kept.count
            forming[asset] = kept.isEmpty ? nil : kept
        }
        nextEnd = earliest
    }

    private mutating func dropEarliest() {
        guard
            let (asset, list) = forming.min(by: { a, b in
                (a.value.map(Self.end).min() ?? .infinity) < (b.value.map(Self.end).min() ?? .infinity)
            })
        else { return }
        var rest = list.sorted { Self.end($0) < Self.end($1) }
        rest.removeFirst()
        held -= 1
        forming[asset] = rest.isEmpty ? nil : rest
    }
}
