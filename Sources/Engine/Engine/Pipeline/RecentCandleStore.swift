import Archive
import Candles
import FastDecode
import ThreadSupport

/// The recent candles of every asset and timeframe, readable from any thread (the server asks
/// for them when a client starts a stream). The engine thread writes once per batch, under one
/// lock; readers copy what they need.
package final class RecentCandleStore: Sendable {
    private struct Key: Hashable { var asset: AssetID; var timeframe: Timeframe }
    private struct Series {
        var closed: [Candle] = []
        var forming: Candle?

        mutating func close(_ c: Candle, keep: Int) {
            if forming?.start == c.start { forming = nil }
            closed.append(c)
            if closed.count > keep * 2 { closed.removeFirst(closed.count - keep) }
        }

        mutating func revise(_ c: Candle) {
            if let i = closed.lastIndex(where: { $0.start <= c.start }) {
                if closed[i].start == c.start { closed[i] = c } else { closed.insert(c, at: i + 1) }
            } else {
                closed.insert(c, at: 0)
            }
        }
    }
    private let state: Locked<[Key: Series]>
    private let keep: Int

    /// A store keeping `keep` closed candles per series.
    package init(keep: Int) {
        self.keep = max(1, keep)
        state = Locked([:])
    }

    /// Applies a batch of candle events (engine thread).
    func apply(_ events: [CandleEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { map in
            for event in events {
                let c = event.candle
                let key = Key(asset: c.asset, timeframe: c.timeframe)
                // Mutate in place (a copied Series would copy its array on every append).
                switch event {
                case .updated:
                    map[key, default: Series()].forming = c
                case .closed:
                    map[key, default: Series()].close(c, keep: keep)
                case .revised:
                    map[key, default: Series()].revise(c)
                }
            }
        }
    }

    /// The last `limit` closed candles (at most `keep`), oldest first, without the forming one.
    package func closedCandles(asset: AssetID, timeframe: Timeframe, limit: Int) -> [Candle] {
        state.withLock { map in
            guard let s = map[Key(asset: asset, timeframe: timeframe)] else { return [] }
            return Array(s.closed.suffix(min(limit, keep)))
        }
    }

    /// Closed candles then the forming one, oldest first, at most `keep` + 1.
    package func candles(asset: AssetID, timeframe: Timeframe) -> [Candle] {
        state.withLock { map in
            guard let s = map[Key(asset: asset, timeframe: timeframe)] else { return [] }
            var out = Array(s.closed.suffix(keep))
            if let f = s.forming { out.append(f) }
            return out
        }
    }
}
