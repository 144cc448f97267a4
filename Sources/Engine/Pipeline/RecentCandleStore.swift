import FastDecode
import Synchronization

/// The recent candles of every asset and timeframe, readable from any thread (the server asks
/// for them when a client starts a stream). The engine thread writes once per batch, under one
/// lock; readers copy what they need.
public final class RecentCandleStore: Sendable {
    private struct Key: Hashable { var asset: AssetID; var timeframe: Timeframe }
    private struct Series { var closed: [Candle] = []; var forming: Candle? }
    private let state: Mutex<[Key: Series]>
    private let keep: Int

    /// A store keeping `keep` closed candles per series.
    public init(keep: Int) {
        self.keep = max(1, keep)
        state = Mutex([:])
    }

    /// Applies a batch of candle events (engine thread).
    func apply(_ events: [CandleEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { map in
            for event in events {
                let c = event.candle
                let key = Key(asset: c.asset, timeframe: c.timeframe)
                var series = map[key] ?? Series()
                switch event {
                case .updated:
                    series.forming = c
                case .closed:
                    if series.forming?.start == c.start { series.forming = nil }
                    series.closed.append(c)
                    if series.closed.count > keep * 2 { series.closed.removeFirst(series.closed.count - keep) }
                case .revised:
                    if let i = series.closed.lastIndex(where: { $0.start <= c.start }) {
                        if series.closed[i].start == c.start { series.closed[i] = c } else { series.closed.insert(c, at: i + 1) }
                    } else {
                        series.closed.insert(c, at: 0)
                    }
                }
                map[key] = series
            }
        }
    }

    /// Closed candles then the forming one, oldest first, at most `keep` + 1.
    public func candles(asset: AssetID, timeframe: Timeframe) -> [Candle] {
        state.withLock { map in
            guard let s = map[Key(asset: asset, timeframe: timeframe)] else { return [] }
            var out = Array(s.closed.suffix(keep))
            if let f = s.forming { out.append(f) }
            return out
        }
    }
}
