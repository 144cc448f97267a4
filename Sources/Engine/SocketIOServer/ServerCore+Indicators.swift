import Candles
import FastDecode
import Indicators
import Dispatch

/// Live indicators (docs/server-protocol.md, "Live indicators"): `subscribe_indicators` /
/// `unsubscribe_indicators`, and `indicator_update` after each candle update of a subscribed pair.
/// The computations live in ``LiveIndicatorHub`` (network thread); history and seeding run on the
/// worker queue.
extension ServerCore {
    /// `subscribe_indicators` or `unsubscribe_indicators` (network thread).
    func handleIndicatorEvent(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        if name == "subscribe_indicators" {
            subscribeIndicators(s, data: data, ack: ack)
        } else {
            unsubscribeIndicators(s, data: data, ack: ack)
        }
    }

    private func isLiveSession(_ id: UInt64) -> Bool {
        guard let s = sessions[id] else { return false }
        return s.socketConnected && !s.killed
    }

    private func subscribeIndicators(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        let hub = liveIndicators
        let limits = hub.limits
        hub.sweep(isAlive: isLiveSession)
        do throws(LiveIndicatorError) {
            guard case .object = data else {
                throw LiveIndicatorError("subscribe_indicators needs {\"asset\": name, \"timeframe\": \"1m\", \"indicators\": \"ema(20),rsi(14)\"}")
            }
            guard let spelling = data?["asset"]?.stringValue, !spelling.isEmpty, spelling.utf8.count <= 200 else {
                throw LiveIndicatorError("subscribe_indicators needs \"asset\": a name")
            }
            guard let asset = directory.lookup(spelling) else { throw LiveIndicatorError("unknown asset \(spelling)") }
            guard let tf = LiveIndicatorRequest.timeframe(data?["timeframe"]) else {
                throw LiveIndicatorError("unknown timeframe (use \"5s\", \"1m\", … or seconds)")
            }
            let specs = try LiveIndicatorRequest.specs(data?["indicators"], limits: limits)
            let pair = SubscriptionKey(asset: asset.rawValue, seconds: tf.seconds)
            let name = assetName(asset)
            guard s.subscriptions.contains(pair) || (s.listensToFocus && router.focusKey == pair) else {
                throw LiveIndicatorError("not receiving \(name) \(tf): subscribe to the pair (or start_stream it) first")
            }
            let record = hub.client(s.id)
            let old = record.pairs[pair]
            let others = record.indicatorCount - (old?.specs.count ?? 0)
            guard others + specs.count <= limits.maxIndicatorsPerClient else {
                throw LiveIndicatorError("too many indicators: \(others) held on other pairs + \(specs.count) asked (at most \(limits.maxIndicatorsPerClient) per client)")
            }
            guard old != nil || record.pairs.count < limits.maxPairsPerClient else {
                throw LiveIndicatorError("too many pairs with indicators (at most \(limits.maxPairsPerClient) per client): unsubscribe_indicators one first")
            }
            guard record.pending.count < limits.maxPendingPerClient else {
                throw LiveIndicatorError("busy: \(record.pending.count) indicator requests of this client in progress, try again")
            }
            let stream: LiveIndicatorStream, created: Bool
            switch hub.stream(pair: pair, specs: specs, assetName: name, address: s.address, releasing: old) {
            case .success(let got):
                (stream, created) = got
            case .failure(.serverFull):
                throw LiveIndicatorError("server busy: \(limits.maxComputations) live indicator computations in use, try again later")
            case .failure(.addressShare):
                throw LiveIndicatorError("server busy: clients of this address run \(limits.maxComputationsPerAddress) live indicator computations, the most one address may")
            }
            hub.attach(s, to: stream)
            emit(s, "indicators_subscribed", LiveIndicatorPayloads.subscribed(asset: name, timeframe: tf, stream: stream), ack: ack)
            scheduleIndicatorHistory(s, asset: asset, timeframe: tf, stream: stream, seed: created, pending: record.pending)
        } catch {
            emit(s, "indicators_error", LiveIndicatorPayloads.error(error.message, request: data), ack: ack)
        }
    }

    private func unsubscribeIndicators(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        // absent = any; given but unknown = none
        let assetGiven = data?["asset"].map { $0 != .null } ?? false, tfGiven = data?["timeframe"].map { $0 != .null } ?? false
        let asset = data?["asset"]?.stringValue.flatMap { directory.lookup($0) }
        let tf = tfGiven ? LiveIndicatorRequest.timeframe(data?["timeframe"]) : nil
        let hub = liveIndicators
        hub.detach(s.id) { pair in
            (!assetGiven || asset?.rawValue == pair.asset) && (!tfGiven || tf?.seconds == pair.seconds)
        }
        let held = hub.clients[s.id]?.pairs.values.sorted { ($0.pair.asset, $0.pair.seconds) < ($1.pair.asset, $1.pair.seconds) } ?? []
        emit(s, "indicators_unsubscribed", LiveIndicatorPayloads.remaining(held, name: { assetName(AssetID(rawValue: $0)) }), ack: ack)
    }

    /// Worker: reads the pair's history, sends `indicator_history` and, for a new computation,
    /// leaves its seed.
    private func scheduleIndicatorHistory(_ s: ClientSession, asset: AssetID, timeframe: Timeframe,
                                          stream: LiveIndicatorStream, seed: Bool, pending: LiveIndicatorPending) {
        let id = s.id, ds = dataSource, inbox = inbox, specs = stream.specs, name = assetName(asset)
        let slot = seed ? stream.seed : nil
        pending.add()
        worker.async {
            let h = ds.recentCandles(asset: asset, timeframe: timeframe)
            let (state, payload) = LiveIndicatorHistory.compute(h, specs: specs, asset: name, timeframe: timeframe)
            slot?.fill(state)
            pending.done()
            inbox.post(.deliver(client: id, frames: [SocketIOEncoder.event("indicator_history", payload: payload)]))
        }
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
