import CLibWebSockets
import Candles
import Dispatch
import FastDecode
import Foundation
import Indicators
import TextWriters
import ThreadSupport

/// What the event handlers need from the coordinator (``ServerCore``) besides ``TransportHost``:
/// the outbound path, the event budget, the handshake pool (and, as ``FocusHost``, the
/// source's status, the detected asset, events).
protocol EventHost: TransportHost, FocusHost {
    /// Queues a message for a client (``ServerCore/enqueue(_:_:key:force:)``).
    func send(_ s: ClientSession, _ bytes: [UInt8], force: Bool)
    /// Spends one event of the client's budget (``ServerCore/withinBudget(_:)``).
    func withinBudget(_ s: ClientSession) -> Bool
    /// The session connected: it leaves the handshake pool.
    func handshakeEnded(session: UInt64)
}

/// The Socket.IO event handlers (network thread, owned by ``ServerCore``): Engine.IO control
/// packets, the Socket.IO connect and disconnect, and every client event – focus requests,
/// subscriptions, `get_available_data`, analysis requests (admitted by ``AnalysisAdmission``,
/// which this part owns) and live indicators. Reaches the coordinator only through ``EventHost``;
/// the focus router, the request jobs and the indicator hub are its explicit parts.
final class EventHandlers {
    let config: StreamServerConfig
    let counters: ServerCounters
    let sessions: ServerSessions
    let router: FocusRouter
    /// The focus (set and released by clients' events).
    let focus: FocusControl
    let jobs: RequestJobs
    let directory: AssetDirectory
    let dataSource: any StreamServerDataSource
    let inbox: ServerInbox
    /// History for live indicators.
    let worker: DispatchQueue
    /// Backtests and indicator requests: their own queue, so a long backtest never delays history.
    let analysisQueue: DispatchQueue
    /// Live indicator computations.
    let liveIndicators: LiveIndicatorHub
    /// Live signal subscriptions (SignalEvents.swift).
    let signalSubscriptions = SignalSubscriptions()
    /// Analysis admission: pending `run_backtest` / `calculate_indicators` per client and address.
    var analysis: AnalysisAdmission
    /// The original's Redis-era events (RedisEraEvents.swift).
    lazy var redisEra = RedisEraEvents(
        host: host, config: config, sessions: sessions, directory: directory, dataSource: dataSource, inbox: inbox,
        worker: worker)
    /// Socket.IO connects since the server started: every one after the first gets `backend_reconnected`.
    private var connects = 0
    /// The coordinator, which owns this part and outlives it.
    unowned(unsafe) let host: any EventHost

    init(
        host: any EventHost, config: StreamServerConfig, counters: ServerCounters, sessions: ServerSessions,
        router: FocusRouter, focus: FocusControl, jobs: RequestJobs, directory: AssetDirectory,
        dataSource: any StreamServerDataSource,
        inbox: ServerInbox, worker: DispatchQueue, analysisQueue: DispatchQueue, liveIndicators: LiveIndicatorHub
    ) {
        self.host = host
        self.config = config
        self.counters = counters
        self.sessions = sessions
        self.router = router
        self.focus = focus
        self.jobs = jobs
        self.directory = directory
        self.dataSource = dataSource
        self.inbox = inbox
        self.worker = worker
        self.analysisQueue = analysisQueue
        self.liveIndicators = liveIndicators
        analysis = AnalysisAdmission(config: config)
    }

    // MARK: the coordinator's outbound path and state, by their short names

    private var status: SourceStatus { host.status }
    private var detected: AssetID? { host.detected }
    private var focusName: String? { focus.focusName }

    private func enqueue(_ s: ClientSession, _ bytes: [UInt8], force: Bool = false) {
        host.send(s, bytes, force: force)
    }

    private func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int? = nil) {
        host.emit(s, name, payload, ack: ack)
    }

    private func assetName(_ a: AssetID) -> String { router.assetName(a, directory: directory) }

    @discardableResult
    private func refreshNames() -> Bool { router.refreshNames(directory) }

    private func rebuildRoutes() { router.markStale() }

    private func isLiveSession(_ id: UInt64) -> Bool {
        guard let s = sessions[id] else { return false }
        return s.socketConnected && !s.killed
    }

    // MARK: Socket.IO packets

    /// Handles one parsed client message; returns false when the client must be closed.
    func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool {
        switch packet {
        case .close:
            return false
        case .ping(let payload):
            enqueue(s, SocketIOEncoder.pong(payload: payload), force: true)
        case .pong:
            s.awaitingPong = false
            if !s.overBudget { host.armPingTimer(s, seconds: config.pingInterval) }
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
            host.handshakeEnded(session: s.id)
            if !s.authenticated {
                s.authenticated = true
                if config.token != nil { qf_lws_set_user_timeout(s.wsi, 0) }
            }
            enqueue(s, SocketIOEncoder.connectAck(sid: s.sid), force: true)
            connects += 1
            if connects > 1 { emit(s, "backend_reconnected", ServerPayloads.backendReconnected(status)) }
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
            host.requestWrite(s)
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
        guard host.withinBudget(s) else { return }
        switch name {
        case "start_stream", "change_asset":
            focusRequest(s, name: name, data: data, ack: ack)
        case "stop_stream":
            focus.releaseFocus(requester: s, ack: ack)
        case "detect_asset":
            if let d = detected {
                emit(s, "asset_detected", ServerPayloads.assetStamp(assetName(d)), ack: ack)
            } else {
                let why =
                    status.connected
                    ? "the broker chart has not shown an asset yet"
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
        case "store_csv_candles", "generate_signal", "execute_strategy":
            if let event = CompatAnalysisEvent(rawValue: name) {
                handleCompatAnalysis(s, event: event, data: data, ack: ack)
            }
        case "subscribe_indicators", "unsubscribe_indicators":
            handleIndicatorEvent(s, name: name, data: data, ack: ack)
        case "subscribe_signals", "unsubscribe_signals":
            handleSignalEvent(s, name: name, data: data, ack: ack)
        case "get_assets":
            refreshNames()
            let payouts = dataSource.payoutPercents()
            emit(s, "assets", ServerPayloads.assets(router.names, payouts: payouts, directory: directory), ack: ack)
        default:
            if redisEra.handle(s, name: name, data: data, ack: ack) { return }
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
                emit(
                    s, "stream_error", ServerPayloads.error("change_asset needs {\"asset\": name}", timestamp: true),
                    ack: ack)
                return
            }
            focus = .follow
        case .string(let spelling)?:
            if spelling.allSatisfy(\.isWhitespace) || spelling.utf8.count > Self.maxAssetNameLength {
                let why =
                    spelling.utf8.count > Self.maxAssetNameLength
                    ? "an asset name over \(Self.maxAssetNameLength) bytes" : "an empty asset name"
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
        self.focus.setFocus(focus, requester: s)
        emit(s, reply, ServerPayloads.focusReply(focusName, notice: self.focus.focusNotice()), ack: ack)
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
            if let text = item.stringValue, let tf = Timeframe(parsing: text) {
                good.append(tf)
            } else if case .number(let n) = item, n >= 1, n <= 604_800, n == n.rounded() {
                good.append(Timeframe(seconds: Int(n)))
            } else if bad.count < 16 {
                bad.append(String((item.stringValue ?? "\(item)").prefix(32)))
            }
        }
        return (good, bad)
    }

    /// `subscribe {assets, timeframes}`: adds asset × timeframe keys (distinct, up to the
    /// per-client limit, timeframes the engine forms), schedules history for the new ones only.
    /// The sender stops listening to the focus unless it asked for it (`start_stream`).
    private func subscribe(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        guard let assetList = data?["assets"]?.arrayValue, let (tfs, badTFs) = timeframes(data) else {
            emit(
                s, "error",
                ServerPayloads.error("subscribe needs {\"assets\": [...], \"timeframes\": [...]}", timestamp: true),
                ack: ack)
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
            problems.append(
                "timeframes not formed by this server: \(unformed.map(\.description).joined(separator: ", ")) (formed: \(have); start qflux stream with --timeframes to add them)"
            )
        }
        if !refused.isEmpty {
            problems.append(
                "\(refused.count) subscriptions refused (the first \(min(64, refused.count)) under \"refused\"): at most \(config.maxSubscriptionsPerClient) per client"
            )
        }
        var payload = SubscriptionReply(
            assets: found.map(assetName), timeframes: formed.map(\.description), unknownAssets: unknown,
            unknownTimeframes: badTFs + unformed.map(\.description))
        payload.formed = config.formedTimeframes?.map(\.description)
        payload.refused = refused.prefix(64).map {
            (assetName(AssetID(rawValue: $0.asset)), Timeframe(seconds: $0.seconds).description)
        }
        payload.error = problems.isEmpty ? nil : problems.joined(separator: "; ")
        emit(s, "subscribed", payload.json(), ack: ack)
        for key in added {
            jobs.scheduleHistory(s, asset: AssetID(rawValue: key.asset), timeframe: Timeframe(seconds: key.seconds))
        }
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
            emit(
                s, "error",
                ServerPayloads.error(
                    "unsubscribe needs {\"assets\": [...], \"timeframes\": [...]} (both optional)", timestamp: true),
                ack: ack)
            return
        }
        var tfs: [Timeframe]?
        if data?["timeframes"] != nil, data?["timeframes"] != .null {
            guard let (good, _) = timeframes(data) else {
                emit(
                    s, "error", ServerPayloads.error("unsubscribe: timeframes must be a list", timestamp: true),
                    ack: ack)
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

    /// Answers `get_available_data` (``RequestJobs/requestListing(_:ack:now:)``).
    private func scheduleAvailableData(_ s: ClientSession, ack: Int?) {
        switch jobs.requestListing(s, ack: ack, now: monotonicNanos()) {
        case .refused(let message):
            emit(s, "data_error", ServerPayloads.error(message, timestamp: true), ack: ack)
        case .cached(let frame, let payload):
            enqueue(s, frame)
            if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
        case .pending:
            break
        }
    }

    // MARK: analysis requests

    /// Handles `run_backtest` or `calculate_indicators` (network thread): queues the work, or
    /// answers the error event at once when too much analysis is already queued
    /// (``AnalysisAdmission``).
    func handleAnalysisRequest(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        let (ok, failed) = AnalysisAdmission.replies(name)
        if let why = analysis.refusal(client: s.id, address: s.address) {
            counters.add(counters.analysisRefused)
            emit(s, failed, ServerPayloads.error(why, timestamp: true), ack: ack)
            return
        }
        analysis.admit(client: s.id, address: s.address)
        let address = s.address
        let id = s.id, ds = dataSource, inbox = inbox, isBacktest = name == "run_backtest"
        let maxReply = config.maxAnalysisReplyBytes, counters = counters
        analysisQueue.async {
            var frames: [[UInt8]] = []
            func reply(_ event: String, _ payload: [UInt8]) {
                frames.append(SocketIOEncoder.event(event, payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            }
            do {
                if isBacktest {
                    let results = try ds.runBacktest(data)
                    var w = JSONWriter(capacity: results.count + 64)
                    w.raw("{\"results\":"); w.raw(results)
                    w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
                    reply(ok, w.bytes)
                } else {
                    reply(ok, try ds.calculateIndicators(data, maxReplyBytes: maxReply))
                }
            } catch {
                // bad requests, unknown files, and the indicator budget's refusals (issue 28)
                counters.add(counters.analysisErrors)
                reply(failed, ServerPayloads.error("\(error)", timestamp: true))
            }
            if let size = AnalysisAdmission.overBound(frames, maxBytes: maxReply) {
                counters.add(counters.analysisRepliesTooLarge)
                frames.removeAll()
                reply(
                    failed,
                    ServerPayloads.error(
                        AnalysisAdmission.tooLarge(size, max: maxReply, backtest: isBacktest),
                        timestamp: true))
            }
            inbox.post(.analysisDone(client: id, address: address, frames: frames))
        }
    }

    // MARK: live indicators

    /// `subscribe_indicators` or `unsubscribe_indicators` (network thread).
    func handleIndicatorEvent(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) {
        if name == "subscribe_indicators" {
            subscribeIndicators(s, data: data, ack: ack)
        } else {
            unsubscribeIndicators(s, data: data, ack: ack)
        }
    }

    private func subscribeIndicators(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        let hub = liveIndicators
        let limits = hub.limits
        hub.sweep(isAlive: isLiveSession)
        do throws(LiveIndicatorError) {
            guard case .object = data else {
                throw LiveIndicatorError(
                    "subscribe_indicators needs {\"asset\": name, \"timeframe\": \"1m\", \"indicators\": \"ema(20),rsi(14)\"}"
                )
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
                throw LiveIndicatorError(
                    "not receiving \(name) \(tf): subscribe to the pair (or start_stream it) first")
            }
            let record = hub.client(s.id)
            let old = record.pairs[pair]
            let others = record.indicatorCount - (old?.specs.count ?? 0)
            guard others + specs.count <= limits.maxIndicatorsPerClient else {
                throw LiveIndicatorError(
                    "too many indicators: \(others) held on other pairs + \(specs.count) asked (at most \(limits.maxIndicatorsPerClient) per client)"
                )
            }
            guard old != nil || record.pairs.count < limits.maxPairsPerClient else {
                throw LiveIndicatorError(
                    "too many pairs with indicators (at most \(limits.maxPairsPerClient) per client): unsubscribe_indicators one first"
                )
            }
            guard record.pending.count < limits.maxPendingPerClient else {
                throw LiveIndicatorError(
                    "busy: \(record.pending.count) indicator requests of this client in progress, try again")
            }
            let stream: LiveIndicatorStream, created: Bool
            switch hub.stream(pair: pair, specs: specs, assetName: name, address: s.address, releasing: old) {
            case .success(let got):
                (stream, created) = got
            case .failure(.serverFull):
                throw LiveIndicatorError(
                    "server busy: \(limits.maxComputations) live indicator computations in use, try again later")
            case .failure(.addressShare):
                throw LiveIndicatorError(
                    "server busy: clients of this address run \(limits.maxComputationsPerAddress) live indicator computations, the most one address may"
                )
            }
            hub.attach(s, to: stream)
            emit(
                s, "indicators_subscribed",
                LiveIndicatorPayloads.subscribed(asset: name, timeframe: tf, stream: stream), ack: ack)
            scheduleIndicatorHistory(
                s, asset: asset, timeframe: tf, stream: stream, seed: created, pending: record.pending)
        } catch {
            emit(s, "indicators_error", LiveIndicatorPayloads.error(error.message, request: data), ack: ack)
        }
    }

    private func unsubscribeIndicators(_ s: ClientSession, data: JSONValue?, ack: Int?) {
        // absent = any; given but unknown = none
        let assetGiven = data?["asset"].map { $0 != .null } ?? false,
            tfGiven = data?["timeframe"].map { $0 != .null } ?? false
        let asset = data?["asset"]?.stringValue.flatMap { directory.lookup($0) }
        let tf = tfGiven ? LiveIndicatorRequest.timeframe(data?["timeframe"]) : nil
        let hub = liveIndicators
        hub.detach(s.id) { pair in
            (!assetGiven || asset?.rawValue == pair.asset) && (!tfGiven || tf?.seconds == pair.seconds)
        }
        let held =
            hub.clients[s.id]?.pairs.values.sorted {
                ($0.pair.asset, $0.pair.seconds) < ($1.pair.asset, $1.pair.seconds)
            } ?? []
        emit(
            s, "indicators_unsubscribed",
            LiveIndicatorPayloads.remaining(held, name: { assetName(AssetID(rawValue: $0)) }), ack: ack)
    }

    /// Worker: reads the pair's history, sends `indicator_history` and, for a new computation,
    /// leaves its seed.
    private func scheduleIndicatorHistory(
        _ s: ClientSession, asset: AssetID, timeframe: Timeframe,
        stream: LiveIndicatorStream, seed: Bool, pending: LiveIndicatorPending
    ) {
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
}
