import Candles
import FastDecode
import TextWriters

/// Live signals (docs/server-protocol.md, "Live signals"): `subscribe_signals` /
/// `unsubscribe_signals` (network thread) and the delivery of the screener's events.
extension EventHandlers {
    /// `subscribe_signals {assets: [..] | "*", timeframe, strategy | rules}` or `unsubscribe_signals`.
    func handleSignalEvent(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        if name == "subscribe_signals" {
            subscribeSignals(s, data: data, ack: ack)
        } else {
            let tfGiven = data?["timeframe"].map { $0 != .null } ?? false
            let tf = tfGiven ? LiveIndicatorRequest.timeframe(data?["timeframe"])?.seconds : nil
            let strategy = Self.signalStrategy(data)
            let left = signalSubscriptions.remove(s.id) { sub in
                (!tfGiven || tf == sub.timeframe) && (strategy == nil || strategy == sub.strategy)
            }
            host.emit(s, "signals_unsubscribed", Array("{\"subscriptions\":\(left)}".utf8), ack: ack)
        }
    }

    /// The strategy label a request names: `strategy`, or `rules` as `rules:FILE`.
    static func signalStrategy(_ data: JSONValue?) -> String? {
        if let strategy = data?["strategy"]?.stringValue { return strategy }
        return data?["rules"]?.stringValue.map { "rules:" + $0 }
    }

    private func subscribeSignals(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        let hub = signalSubscriptions
        func refuse(_ message: String) {
            host.emit(s, "error", ServerPayloads.error(message, timestamp: true), ack: ack)
        }
        guard case .object = data else {
            return refuse(
                "subscribe_signals needs {\"assets\": [names] or \"*\", \"timeframe\": \"5s\", \"strategy\": name or \"rules\": file}"
            )
        }
        var assets: Set<String>?
        switch data?["assets"] {
        case .string("*"):
            assets = nil
        case .array(let list) where !list.isEmpty && list.count <= SignalSubscriptions.maxAssets:
            var names = Set<String>()
            for v in list {
                guard let name = v.stringValue, !name.isEmpty, name.utf8.count <= 200 else {
                    return refuse("subscribe_signals: \"assets\" must be asset names or \"*\"")
                }
                names.insert(AssetDirectory.looseKey(name))
            }
            assets = names
        default:
            return refuse(
                "subscribe_signals needs \"assets\": a list of 1 to \(SignalSubscriptions.maxAssets) names, or \"*\"")
        }
        guard let tf = LiveIndicatorRequest.timeframe(data?["timeframe"]) else {
            return refuse("subscribe_signals: unknown timeframe (use \"5s\", \"1m\", … or seconds)")
        }
        guard let strategy = Self.signalStrategy(data), !strategy.isEmpty, strategy.utf8.count <= 512 else {
            return refuse("subscribe_signals needs \"strategy\" (quantum_flux, quantum_flux_ta) or \"rules\": a file")
        }
        guard hub.isScreened(strategy: strategy, timeframe: tf.seconds) || hub.control != nil else {
            let running = hub.screened.map { $0.strategy + ($0.timeframe.map { "@\($0)s" } ?? "") }
            return refuse(
                "unknown strategy \(strategy) on \(tf): this server screens \(running.isEmpty ? "none (start it with --signals)" : running.joined(separator: ", "))"
            )
        }
        // An on-demand evaluation needs candles: only a timeframe the engine forms.
        if !hub.isScreened(strategy: strategy, timeframe: tf.seconds), let formed = config.formedTimeframes,
            !formed.contains(tf)
        {
            return refuse(
                "subscribe_signals: \(tf) is not formed by this server (formed: \(formed.map(\.description).joined(separator: ", ")))"
            )
        }
        let sub = SignalSubscriptions.Subscription(assets: assets, timeframe: tf.seconds, strategy: strategy)
        // Clients that left give their on-demand evaluations up before new ones are counted.
        hub.forgetDeparted { id in sessions[id].map { $0.socketConnected && !$0.killed } ?? false }
        switch hub.add(sub, for: s.id) {
        case .success: break
        case .failure(.tooMany):
            return refuse(
                "too many signal subscriptions (at most \(SignalSubscriptions.maxPerClient) per client, \(SignalSubscriptions.maxTotal) per server): unsubscribe_signals first"
            )
        case .failure(.notStarted(let message)):
            return refuse(message)
        }
        var w = JSONWriter(capacity: 128)
        w.raw("{\"assets\":")
        if let assets {
            w.raw("[")
            for (i, a) in assets.sorted().enumerated() {
                if i > 0 { w.comma() }
                w.string(a)
            }
            w.raw("]")
        } else {
            w.raw("\"*\"")
        }
        w.raw(",\"timeframe\":")
        w.integer(tf.seconds)
        w.raw(",\"strategy\":")
        w.string(strategy)
        w.raw(",\"subscriptions\":")
        w.integer(hub.subscriptions(of: s.id).count)
        w.raw("}")
        host.emit(s, "signals_subscribed", w.bytes, ack: ack)
    }

    /// A client's session ended: its signal subscriptions go now, so an on-demand evaluation
    /// only it used stops at once rather than at the next delivery or subscription.
    func signalSessionClosed(_ s: ClientSession) {
        signalSubscriptions.remove(s.id) { _ in true }
    }

    /// A screener event: `signal` or `signal_result` to every matching subscriber's queue.
    func deliver(_ d: SignalDelivery) {
        let ids = signalSubscriptions.recipients(of: d) { id in
            guard let s = sessions[id] else { return false }
            return s.socketConnected && !s.killed
        }
        guard !ids.isEmpty else { return }
        let frame = SocketIOEncoder.event(d.isResult ? "signal_result" : "signal", payload: d.payload)
        for id in ids { if let s = sessions[id] { host.send(s, frame, force: false) } }
    }
}
