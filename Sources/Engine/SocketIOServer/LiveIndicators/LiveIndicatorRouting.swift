import Candles
import FastDecode
import Indicators

/// Live indicators (docs/server-protocol.md, "Live indicators"): `indicator_update` after each
/// candle update of a subscribed pair (network thread; `subscribe_indicators` /
/// `unsubscribe_indicators` are ``EventHandlers``').
extension LiveIndicatorHub {
    /// After ``ServerCore/route(_:)`` has queued a batch's candle updates (their indices in
    /// `order`, ``FocusRouter/order``): advances the computations of the pairs
    /// those updates belong to and sends (`send`) `indicator_update` to their clients (right after the
    /// candle's own `candle_update`; coalesced per candle like it). O(1) per update per indicator;
    /// one frame per update per computation.
    func route(
        _ candles: [Candle], order: [Int], send: (ClientSession, [UInt8], CandleKey) -> Void,
        isAlive: (UInt64) -> Bool
    ) {
        guard !isEmpty else { return }
        for i in order where i >= 0 {
            let c = candles[i]
            guard let streams = byPair[SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)] else {
                continue
            }
            for stream in streams where stream.advance(AnalysisCandle(live: c)) {
                let frame = stream.frame(start: c.start)
                // its own key space (negative seconds): replaces only a queued indicator_update
                let key = CandleKey(asset: c.asset.rawValue, seconds: -Int32(c.timeframe.seconds), start: c.start)
                for s in stream.subscribers {
                    if s.killed || !s.socketConnected {
                        stream.hasDeadSubscribers = true; needsPrune = true
                    } else {
                        send(s, frame, key)
                    }
                }
            }
        }
        if needsPrune { prune(isAlive: isAlive) }
    }
}
