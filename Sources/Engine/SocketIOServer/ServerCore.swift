import Candles
import CSupport
import FastDecode
import Foundation
import Logging
import Synchronization

/// The server's state on the network thread: sessions, routing, Socket.IO event handling.
/// Everything here except ``inbox``, ``counters`` and ``stopping`` is touched only by the
/// network thread (inside libwebsockets callbacks); the lws calls live in `Network/`.
final class ServerCore: @unchecked Sendable {
    let config: StreamServerConfig
    let dataSource: any StreamServerDataSource
    let directory: AssetDirectory
    let inbox: ServerInbox
    let counters = ServerCounters()
    let logger: Logger
    let worker = DispatchQueue(label: "qflux.server.data")
    let startedAt = monotonicNanos()
    let stopping = Atomic<Bool>(false)
    /// Accepted origins and `Host` names.
    let accessPolicy: AccessPolicy

    var sessions: [UInt64: ClientSession] = [:]
    var nextSessionID: UInt64 = 1
    var httpResponses: [UInt64: [UInt8]] = [:]
    var routes: [SubscriptionKey: [ClientSession]] = [:]
    var followers = 0
    var names: [String] = []
    var status: SourceStatus
    var detected: AssetID?
    var closingAll = false
    var candleScratch: [Candle] = []
    var inputScratch: [ServerInput] = []
    var newest: [CandleKey: Int] = [:]
    var order: [Int] = []
    /// Reused write buffer (LWS_PRE spare bytes + the largest message so far).
    var writeBuffer: UnsafeMutableRawPointer?
    var writeCapacity = 0

    init(config: StreamServerConfig, dataSource: any StreamServerDataSource, directory: AssetDirectory,
         status: SourceStatus, logger: Logger) {
        self.config = config
        self.dataSource = dataSource
        self.directory = directory
        self.status = status
        self.logger = logger
        inbox = ServerInbox(capacity: config.handoffCapacity)
        accessPolicy = AccessPolicy(bindAddress: config.bindAddress, allowedOrigins: config.allowedOrigins,
                                    allowedHosts: config.allowedHosts)
    }

    deinit { writeBuffer?.deallocate() }

    /// The counters now, with the ring's drop count.
    func stats() -> StreamServerStats { counters.snapshot(handoffDrops: inbox.candles.dropped) }

    // MARK: sessions

    func openSession(wsi: OpaquePointer) -> ClientSession {
        let id = nextSessionID
        nextSessionID += 1
        let s = ClientSession(id: id, wsi: wsi, sid: Self.makeSID(), maxMessageBytes: config.maxInboundMessageBytes,
                              queueLimit: config.clientQueueLimit)
        sessions[id] = s
        counters.clients.store(sessions.count, ordering: .relaxed)
        counters.add(counters.connectionsTotal)
        if config.token != nil {
            // Unauthenticated until a Socket.IO connect with the right token: bounded time.
            qf_lws_set_user_timeout(wsi, Int32(max(1, config.unauthenticatedTimeout)))
        }
        enqueue(s, SocketIOEncoder.open(sid: s.sid, pingIntervalMs: Int(config.pingInterval * 1000),
                                         pingTimeoutMs: Int(config.pingTimeout * 1000),
                                         maxPayload: config.maxInboundMessageBytes), force: true)
        return s
    }

    func closeSession(_ s: ClientSession) {
        if config.token != nil, !s.authenticated, !s.killed, !s.closeAfterFlush,
           Double(monotonicNanos() - s.openedAt) / 1e9 >= Double(max(1, config.unauthenticatedTimeout)) - 0.25 {
            counters.add(counters.authTimeouts)
        }
        s.killed = true
        sessions[s.id] = nil
        counters.clients.store(sessions.count, ordering: .relaxed)
        if s.focus != .none || !s.subscriptions.isEmpty { rebuildRoutes() }
    }

    static func makeSID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    // MARK: outbound

    /// Queues a message for a client and asks for a write. Drops it when the queue is full, and
    /// disconnects a client that stays full longer than the grace period.
    func enqueue(_ s: ClientSession, _ bytes: [UInt8], key: CandleKey? = nil, force: Bool = false) {
        guard !s.killed else { return }
        switch s.queue.push(OutFrame(bytes: bytes, key: key), force: force) {
        case .coalesced:
            counters.add(counters.coalesced)
        case .queued:
            let depth = s.queue.count
            if depth > counters.maxQueueDepth.load(ordering: .relaxed) {
                counters.maxQueueDepth.store(depth, ordering: .relaxed)
            }
        case .full:
            counters.add(counters.drops)
            let now = monotonicNanos()
            if let since = s.overLimitSince {
                if Double(now - since) / 1e9 >= config.slowClientGrace {
                    counters.add(counters.slowDisconnects)
                    logger.info("disconnecting slow client", metadata: ["sid": "\(s.sid)", "queued": "\(s.queue.count)"])
                    kill(s)
                    return
                }
            } else {
                s.overLimitSince = now
            }
        }
        requestWrite(s)
    }

    func broadcast(_ name: String, _ payload: [UInt8]) {
        let frame = SocketIOEncoder.event(name, payload: payload)
        for s in sessions.values where s.socketConnected { enqueue(s, frame) }
    }

    func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int? = nil) {
        enqueue(s, SocketIOEncoder.event(name, payload: payload))
        if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
    }

    // MARK: engine input

    /// Takes the inbox and routes it (network thread, on `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drain() {
        inbox.takeInputs(&inputScratch)
        for input in inputScratch { handle(input) }
        candleScratch.removeAll(keepingCapacity: true)
        var scratch = candleScratch
        candleScratch = []
        inbox.candles.popBatch(max: inbox.candles.capacity) { scratch.append($0) }
        if !scratch.isEmpty { route(scratch) }
        candleScratch = scratch
        if stopping.load(ordering: .acquiring), !closingAll {
            closingAll = true
            for s in sessions.values {
                if s.socketConnected { enqueue(s, SocketIOEncoder.disconnect, force: true) }
                s.closeAfterFlush = true
                requestWrite(s)
            }
        }
    }

    private func handle(_ input: ServerInput) {
        switch input {
        case .status(let st):
            guard st != status else { return }
            status = st
            broadcast("connection_status", ServerPayloads.connectionStatus(st))
        case .error(let message):
            broadcast("stream_error", ServerPayloads.error(message, timestamp: true))
        case .assetDetected(let a):
            detected = a
            let name = assetName(a)
            broadcast("asset_detected", ServerPayloads.assetStamp(name))
            var moved = false
            for s in sessions.values {
                switch s.focus {
                case .follow:
                    break
                case .asset(let current) where config.followChart && current != a:
                    s.focus = .asset(a)
                default:
                    continue
                }
                emit(s, "asset_changed", ServerPayloads.assetStamp(name))
                scheduleHistory(s, asset: a, timeframe: .oneMinute)
                moved = true
            }
            if moved { rebuildRoutes() }
        case .deliver(let client, let frames):
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        }
    }

    private func route(_ candles: [Candle]) {
        counters.add(counters.batches)
        counters.add(counters.candleUpdatesIn, UInt64(candles.count))
        // keep only the newest update per candle within the batch, in batch order
        newest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        var assetsChanged = false
        for i in candles.indices {
            let c = candles[i]
            if Int(c.asset.rawValue) >= names.count { assetsChanged = refreshNames() || assetsChanged }
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            if let j = newest[key] { order[j] = -1 }
            newest[key] = order.count
            order.append(i)
        }
        if assetsChanged { broadcast("assets", ServerPayloads.stringList("assets", names)) }
        guard !routes.isEmpty else { return }
        for i in order where i >= 0 {
            let c = candles[i]
            guard let targets = routes[SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)],
                  !targets.isEmpty else { continue }
            let frame = ServerPayloads.candleUpdateFrame(c, asset: assetName(c.asset))
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            for s in targets { enqueue(s, frame, key: key) }
        }
    }

    @discardableResult
    func refreshNames() -> Bool {
        let all = directory.allNames
        guard all.count != names.count else { return false }
        names = all
        return true
    }

    func assetName(_ a: AssetID) -> String {
        if Int(a.rawValue) >= names.count { refreshNames() }
        return Int(a.rawValue) < names.count ? names[Int(a.rawValue)] : directory.name(of: a)
    }

    func rebuildRoutes() {
        routes.removeAll(keepingCapacity: true)
        followers = 0
        for s in sessions.values where s.socketConnected && !s.killed {
            if s.focus == .follow { followers += 1 }
            for k in s.keys(detected: detected) { routes[k, default: []].append(s) }
        }
    }

    // MARK: data source work (off the network thread)

    func scheduleHistory(_ s: ClientSession, asset: AssetID, timeframe: Timeframe) {
        let id = s.id, ds = dataSource, dir = directory, inbox = inbox
        worker.async {
            let h = ds.recentCandles(asset: asset, timeframe: timeframe)
            let payload = ServerPayloads.history(asset: dir.name(of: asset), timeframe: timeframe, h)
            inbox.post(.deliver(client: id, frames: [SocketIOEncoder.event("historical_candles_loaded", payload: payload)]))
        }
    }

    func scheduleAvailableData(_ s: ClientSession, ack: Int?) {
        let id = s.id, ds = dataSource, inbox = inbox
        worker.async {
            var frames: [[UInt8]] = []
            do {
                let payload = ServerPayloads.availableData(try ds.availableFiles())
                frames.append(SocketIOEncoder.event("available_data", payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            } catch {
                let payload = ServerPayloads.error("\(error)", timestamp: false)
                frames.append(SocketIOEncoder.event("data_error", payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            }
            inbox.post(.deliver(client: id, frames: frames))
        }
    }
}

/// Monotonic nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
