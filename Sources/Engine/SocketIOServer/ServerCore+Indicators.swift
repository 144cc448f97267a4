import Candles
import FastDecode
import Indicators
import Dispatch

/// Live indicators (docs/server-protocol.md, "Live indicators"): `indicator_update` after each
/// candle update of a subscribed pair. The computations live in ``LiveIndicatorHub`` (network
/// thread); `subscribe_indicators` / `unsubscribe_indicators` are ``EventHandlers``'.
extension ServerCore {
    private func isLiveSession(_ id: UInt64) -> Bool {
        guard let s = sessions[id] else { return false }
        return s.socketConnected && !s.killed
    }

    /// After route() has queued a batch's candle updates: advances the computations of the pairs
    /// those updates belong to and sends `indicator_update` to their clients (right after the
    /// candle's own `candle_update`; coalesced per candle like it). O(1) per update per indicator;
    /// one frame per update per computation.
    func routeLiveIndicators(_ candles: [Candle]) {
        let hub = liveIndicators
        guard !hub.isEmpty else { return }
        for i in router.order where i >= 0 {
            let c = candles[i]
            guard let streams = hub.byPair[SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)] else { continue }
            for stream in streams where stream.advance(AnalysisCandle(live: c)) {
                let frame = stream.frame(start: c.start)
                // its own key space (negative seconds): replaces only a queued indicator_update
                let key = CandleKey(asset: c.asset.rawValue, seconds: -Int32(c.timeframe.seconds), start: c.start)
                for s in stream.subscribers {
                    if s.killed || !s.socketConnected { stream.hasDeadSubscribers = true; hub.needsPrune = true }
                    else { enqueue(s, frame, key: key) }
                }
            }
        }
        if hub.needsPrune { hub.prune(isAlive: isLiveSession) }
    }
}
