import Candles
import CLibWebSockets
import FastDecode
import TextWriters

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
            if !s.overBudget { armPingTimer(s, seconds: config.pingInterval) }
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
            limits.handshakeEnded(session: s.id)
            if !s.authenticated {
                s.authenticated = true
                if config.token != nil { qf_lws_set_user_timeout(s.wsi, 0) }
            }
            enqueue(s, SocketIOEncoder.connectAck(sid: s.sid), force: true)
            router.listenersDirty = true  // a new client listens to the focus
            emit(s, "connection_status", ServerPayloads.connectionStatus(status))
            refreshNames()
            emit(s, "assets", ServerPayloads.stringList("assets", router.names))
            if let d = detected { emit(s, "asset_detected", ServerPayloads.assetStamp(assetName(d))) }
        case .disconnect:
            s.socketConnected = false
            s.closeAfterFlush = true
            jobs.dropHistoryBacklog(s)
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

    /// Longest asset name `start_stream` / `change_asset` accept for an asset not seen yet.
    static let maxAssetNameLength = 64

    private func handleEvent(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        guard withinBudget(s) else { return }
        switch name {
        case "start_stream", "change_asset":
            focusRequest(s, name: name, data: data, ack: ack)
        case "stop_stream":
            releaseFocus(requester: s, ack: ack)
        case "detect_asset":
            if let d = detected {
                emit(s, "asset_detected", ServerPayloads.assetStamp(assetName(d)), ack: ack)
            } else {
                let why = status.connected ? "the broker chart has not shown an asset yet"
                    : "no asset detected: \(status.kind == .chrome ? "Chrome" : "the source \(status.kind.rawValue)") is not connected"
                emit(s, "asset_detection_failed", ServerPayloads.error(why, timestamp: true), ack: ack)
            }
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
            emit(s, "assets", ServerPayloads.stringList("assets", router.names), ack: ack)
        default:
            emit(s, "error", ServerPayloads.error("unknown event \(name)", timestamp: true), ack: ack)
        }
    }

    /// `start_stream` / `change_asset`: sets the server-wide focus (any name: one not seen yet
    /// waits for its data) and makes the sender a focus listener. `start_stream` without an asset
    /// follows the broker chart. Malformed payloads get `stream_error`.
    private func focusRequest(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        let reply = name == "start_stream" ? "stream_started" : "asset_changed"
        // the asset: {"asset": name}, or the name itself as the payload
        let value = data?.stringValue != nil ? data : data?["asset"]
        let focus: ServerFocus
        switch value {
        case nil, .null?:
            guard name == "start_stream" else {
                emit(s, "stream_error", ServerPayloads.error("change_asset needs {\"asset\": name}", timestamp: true), ack: ack)
                return
            }
            focus = .follow
        case .string(let spelling)?:
            if spelling.allSatisfy(\.isWhitespace) || spelling.utf8.count > Self.maxAssetNameLength {
                let why = spelling.utf8.count > Self.maxAssetNameLength ? "an asset name over \(Self.maxAssetNameLength) bytes" : "an empty asset name"
                emit(s, "stream_error", ServerPayloads.error("\(name): \(why)", timestamp: true), ack: ack)
                return
            }
            focus = directory.lookup(spelling).map(ServerFocus.asset) ?? .pending(spelling)
        default:
            emit(s, "stream_error", ServerPayloads.error("\(name): asset must be a string", timestamp: true), ack: ack)
            return
        }
        if s.focus != .requested {
            s.focus = .requested
            router.listenersDirty = true
        }
        setFocus(focus, requester: s)
        emit(s, reply, ServerPayloads.focusReply(focusName, notice: focusNotice()), ack: ack)
    }

    /// The `timeframes` member: a list (or one entry) of names (`"5s"`, `"1m"`) or seconds;
    /// `["1m"]` when absent; nil when it is neither a list nor one entry.
    private func timeframes(_ data: JSONValue?) -> ([Timeframe], [String])? {
        let items: [JSONValue]
        switch data?["timeframes"] {
        case nil, .null?: return ([.oneMinute], [])
        case .array(let list)?: items = list
        case let one? where one.stringValue != nil: items = [one]
        case .number?: items = [data!["timeframes"]!]
        default: return nil
        }
        var good: [Timeframe] = [], bad: [String] = []
        for item in items {
            if let text = item.stringValue, let tf = Timeframe(parsing: text) { good.append(tf) }
            else if case .number(let n) = item, n >= 1, n <= 604_800, n == n.rounded() { good.append(Timeframe(seconds: Int(n))) }
            else if bad.count < 16 { bad.append(String((item.stringValue ?? "\(item)").prefix(32))) }
        }
        return (good, bad)
    }

    /// `subscribe {assets, timeframes}`: adds asset × timeframe keys (distinct, up to the
    /// per-client limit, timeframes the engine forms), schedules history for the new ones only.
    /// The sender stops listening to the focus unless it asked for it (`start_stream`).
    private func subscribe(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        guard let assetList = data?["assets"]?.arrayValue, let (tfs, badTFs) = timeframes(data) else {
            emit(s, "error", ServerPayloads.error("subscribe needs {\"assets\": [...], \"timeframes\": [...]}", timestamp: true), ack: ack)
            return
        }
        var formed: [Timeframe] = [], unformed: [Timeframe] = []
        for tf in tfs where !formed.contains(tf) && !unformed.contains(tf) {
            if config.formedTimeframes?.contains(tf) ?? true { formed.append(tf) } else { unformed.append(tf) }
        }
        var found: [AssetID] = [], seen = Set<AssetID>(), unknown: [String] = []
        for item in assetList {
            let (id, spelling) = resolve(item)
            if let id {
                if seen.insert(id).inserted { found.append(id) }
            } else if unknown.count < 64 {
                unknown.append(spelling.map { String($0.prefix(Self.maxAssetNameLength)) } ?? "(not a string)")
            }
        }
        var added: [SubscriptionKey] = [], refused: [SubscriptionKey] = []
        for a in found {
            for tf in formed {
                let key = SubscriptionKey(asset: a.rawValue, seconds: tf.seconds)
                if s.subscriptions.contains(key) { continue }
                if s.subscriptions.count >= config.maxSubscriptionsPerClient { refused.append(key); continue }
                s.subscriptions.insert(key)
                added.append(key)
            }
        }
        if !refused.isEmpty { counters.add(counters.subscriptionsRefused, UInt64(refused.count)) }
        if s.focus == .passive {
            s.focus = .none
            router.listenersDirty = true
        }
        router.addRoutes(s, added)
        var problems: [String] = []
        if !unknown.isEmpty { problems.append("unknown assets: \(unknown.joined(separator: ", "))") }
        if !badTFs.isEmpty { problems.append("not timeframes: \(badTFs.joined(separator: ", "))") }
        if !unformed.isEmpty {
            let have = config.formedTimeframes.map { $0.map(\.description).joined(separator: ", ") } ?? ""
            problems.append("timeframes not formed by this server: \(unformed.map(\.description).joined(separator: ", ")) (formed: \(have); start qflux stream with --timeframes to add them)")
        }
        if !refused.isEmpty {
            problems.append("\(refused.count) subscriptions refused (the first \(min(64, refused.count)) under \"refused\"): at most \(config.maxSubscriptionsPerClient) per client")
        }
        var payload = SubscriptionReply(assets: found.map(assetName), timeframes: formed.map(\.description), unknownAssets: unknown,
                                        unknownTimeframes: badTFs + unformed.map(\.description))
        payload.formed = config.formedTimeframes?.map(\.description)
        payload.refused = refused.prefix(64).map { (assetName(AssetID(rawValue: $0.asset)), Timeframe(seconds: $0.seconds).description) }
        payload.error = problems.isEmpty ? nil : problems.joined(separator: "; ")
        emit(s, "subscribed", payload.json(), ack: ack)
        for key in added { jobs.scheduleHistory(s, asset: AssetID(rawValue: key.asset), timeframe: Timeframe(seconds: key.seconds)) }
    }

    /// `unsubscribe {assets?, timeframes?}` (`{}`: everything): answers what remains.
    private func unsubscribe(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        // a list, a single name, or absent (= all); anything else is refused rather than read as "all"
        var assets: [AssetID]?
        switch data?["assets"] {
        case nil, .null?: assets = nil
        case .string?: assets = [resolve(data?["assets"]).0].compactMap { $0 }
        case .array(let items)?: assets = items.compactMap { resolve($0).0 }
        default:
            emit(s, "error", ServerPayloads.error("unsubscribe needs {\"assets\": [...], \"timeframes\": [...]} (both optional)", timestamp: true), ack: ack)
            return
        }
        var tfs: [Timeframe]?
        if data?["timeframes"] != nil, data?["timeframes"] != .null {
            guard let (good, _) = timeframes(data) else {
                emit(s, "error", ServerPayloads.error("unsubscribe: timeframes must be a list", timestamp: true), ack: ack)
                return
            }
            tfs = good
        }
        let removed = s.subscriptions.filter { key in
            let assetMatch = assets.map { $0.contains(AssetID(rawValue: key.asset)) } ?? true
            let tfMatch = tfs.map { $0.contains(Timeframe(seconds: key.seconds)) } ?? true
            return assetMatch && tfMatch
        }
        s.subscriptions.subtract(removed)
        router.removeRoutes(s, removed)
        var w = JSONWriter(capacity: 64 + s.subscriptions.count * 40)
        w.raw("{\"subscriptions\":[")
        for (i, k) in s.subscriptions.sorted(by: { ($0.asset, $0.seconds) < ($1.asset, $1.seconds) }).enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"asset\":"); w.string(assetName(AssetID(rawValue: k.asset)))
            w.raw(",\"timeframe\":"); w.string(Timeframe(seconds: k.seconds).description); w.raw("}")
        }
        w.raw("],\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        emit(s, "unsubscribed", w.bytes, ack: ack)
    }
}
