import Candles
import CSupport
import FastDecode

/// Socket.IO packets from clients (network thread).
extension ServerCore {
    /// Handles one parsed client message; returns false when the client must be closed.
    func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool {
        switch packet {
        case .close:
            return false
        case .ping(let payload):
            enqueue(s, SocketIOEncoder.pong(payload: payload), force: true)
        case .pong:
            s.awaitingPong = false
            armPingTimer(s, seconds: config.pingInterval)
        case .upgrade, .noop:
            break
        case .socket(let p):
            return handleSocket(s, p)
        }
        return true
    }

    private func handleSocket(_ s: ClientSession, _ p: SocketIOInbound) -> Bool {
        switch p {
        case .connect(let ns, let auth):
            guard ns == "/" else {
                enqueue(s, SocketIOEncoder.connectError(message: "Invalid namespace", namespace: ns), force: true)
                return true
            }
            if let token = config.token, !AccessPolicy.tokensEqual(auth?["token"]?.stringValue, token) {
                counters.add(counters.authFailures)
                enqueue(s, SocketIOEncoder.connectError(message: "unauthorized"), force: true)
                s.closeAfterFlush = true
                return true
            }
            s.socketConnected = true
            if !s.authenticated {
                s.authenticated = true
                if config.token != nil { qf_lws_set_user_timeout(s.wsi, 0) }
            }
            enqueue(s, SocketIOEncoder.connectAck(sid: s.sid), force: true)
            emit(s, "connection_status", ServerPayloads.connectionStatus(status))
            refreshNames()
            emit(s, "assets", ServerPayloads.stringList("assets", names))
            if let d = detected { emit(s, "asset_detected", ServerPayloads.assetStamp(assetName(d))) }
        case .disconnect:
            s.socketConnected = false
            s.closeAfterFlush = true
            rebuildRoutes()
            // close now (after what is queued), not at the next ping
            requestWrite(s)
        case .event(let ns, let ack, let name, let args):
            guard ns == "/", s.socketConnected else { return false }
            handleEvent(s, name: name, data: args.first, ack: ack)
        case .ack:
            break
        }
        return true
    }

    private func resolve(_ value: JSONValue?) -> (AssetID?, String?) {
        guard let spelling = value?.stringValue, !spelling.isEmpty else { return (nil, nil) }
        return (directory.lookup(spelling), spelling)
    }

    private func handleEvent(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        switch name {
        case "start_stream", "change_asset":
            let (id, spelling) = resolve(data?["asset"])
            let reply = name == "start_stream" ? "stream_started" : "asset_changed"
            if let id {
                s.focus = .asset(id)
                rebuildRoutes()
                emit(s, reply, ServerPayloads.assetStamp(assetName(id)), ack: ack)
                scheduleHistory(s, asset: id, timeframe: .oneMinute)
            } else if let spelling {
                emit(s, "stream_error", ServerPayloads.error("unknown asset \(spelling)", timestamp: true), ack: ack)
            } else if name == "start_stream" {
                s.focus = .follow
                rebuildRoutes()
                emit(s, reply, ServerPayloads.assetStamp(detected.map(assetName)), ack: ack)
                if let d = detected { scheduleHistory(s, asset: d, timeframe: .oneMinute) }
            } else {
                emit(s, "error", ServerPayloads.error("change_asset needs {\"asset\": name}", timestamp: true), ack: ack)
            }
        case "stop_stream":
            s.focus = .none
            rebuildRoutes()
            emit(s, "stream_stopped", ServerPayloads.stamp(), ack: ack)
        case "get_available_data":
            scheduleAvailableData(s, ack: ack)
        case "subscribe":
            subscribe(s, data: data, ack: ack)
        case "unsubscribe":
            unsubscribe(s, data: data, ack: ack)
        case "run_backtest", "calculate_indicators":
            handleAnalysisRequest(s, name: name, data: data, ack: ack)
        case "subscribe_indicators", "unsubscribe_indicators":
            handleIndicatorEvent(s, name: name, data: data, ack: ack)
        case "get_assets":
            refreshNames()
            emit(s, "assets", ServerPayloads.stringList("assets", names), ack: ack)
        default:
            emit(s, "error", ServerPayloads.error("unknown event \(name)", timestamp: true), ack: ack)
        }
    }

    private func timeframes(_ data: JSONValue?) -> ([Timeframe], [String])? {
        guard let list = data?["timeframes"] else { return ([.oneMinute], []) }
        guard let items = list.arrayValue else { return nil }
        var good: [Timeframe] = [], bad: [String] = []
        for item in items {
            if let text = item.stringValue, let tf = Timeframe(parsing: text) { good.append(tf) }
            else if case .number(let n) = item, n >= 1, n <= 604_800, n == n.rounded() { good.append(Timeframe(seconds: Int(n))) }
            else { bad.append(item.stringValue ?? "\(item)") }
        }
        return (good, bad)
    }

    private func subscribe(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        guard let assetList = data?["assets"]?.arrayValue, let (tfs, badTFs) = timeframes(data) else {
            emit(s, "error", ServerPayloads.error("subscribe needs {\"assets\": [...], \"timeframes\": [...]}", timestamp: true), ack: ack)
            return
        }
        var found: [AssetID] = [], unknown: [String] = []
        for item in assetList {
            let (id, spelling) = resolve(item)
            if let id { found.append(id) } else { unknown.append(spelling ?? "\(item)") }
        }
        for a in found {
            for tf in tfs { s.subscriptions.insert(SubscriptionKey(asset: a.rawValue, seconds: tf.seconds)) }
        }
        rebuildRoutes()
        emit(s, "subscribed", subscriptionPayload(found, tfs, unknown: unknown, badTimeframes: badTFs), ack: ack)
        for a in found {
            for tf in tfs { scheduleHistory(s, asset: a, timeframe: tf) }
        }
    }

    private func unsubscribe(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        let assets = data?["assets"]?.arrayValue?.compactMap { resolve($0).0 }
        let tfs = data?["timeframes"] == nil ? nil : timeframes(data)?.0
        s.subscriptions = s.subscriptions.filter { key in
            let assetMatch = assets.map { $0.contains(AssetID(rawValue: key.asset)) } ?? true
            let tfMatch = tfs.map { $0.contains(Timeframe(seconds: key.seconds)) } ?? true
            return !(assetMatch && tfMatch)
        }
        rebuildRoutes()
        let remaining = s.subscriptions.sorted { ($0.asset, $0.seconds) < ($1.asset, $1.seconds) }
        var w = JSONWriter(capacity: 64 + remaining.count * 40)
        w.raw("{\"subscriptions\":[")
        for (i, k) in remaining.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"asset\":"); w.string(assetName(AssetID(rawValue: k.asset)))
            w.raw(",\"timeframe\":"); w.string(Timeframe(seconds: k.seconds).description); w.raw("}")
        }
        w.raw("],\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        emit(s, "unsubscribed", w.bytes, ack: ack)
    }

    private func subscriptionPayload(_ assets: [AssetID], _ tfs: [Timeframe], unknown: [String], badTimeframes: [String]) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        func list(_ items: [String]) {
            w.raw("[")
            for (i, x) in items.enumerated() {
                if i > 0 { w.comma() }
                w.string(x)
            }
            w.raw("]")
        }
        w.raw("{\"assets\":"); list(assets.map(assetName))
        w.raw(",\"timeframes\":"); list(tfs.map(\.description))
        w.raw(",\"unknown_assets\":"); list(unknown)
        w.raw(",\"unknown_timeframes\":"); list(badTimeframes)
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }
}
