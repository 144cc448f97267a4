import Candles
import CLibWebSockets
import FastDecode
import Foundation
import Logging
import Synchronization
import ThreadSupport
import Ring

/// The server's state on the network thread: sessions, routing, Socket.IO event handling.
/// Not `Sendable`: ``StreamServer`` keeps it in a ``ThreadBound``, and every entry from C – the
/// protocol callback (`Network/LWSCallback.swift`), the ticker (`Network/SessionTimers.swift`),
/// the service turn – goes through that check. Only ``inbox`` and ``counters`` (both `Sendable`)
/// are shared with other threads; the lws calls live in `Network/`.
///
/// Sessions do not depend on their transport: ``enqueue(_:_:key:force:)``, ``emit(_:_:_:ack:)``
/// and ``broadcast(_:_:)`` are the one way messages leave, and `Network/` carries a session's
/// queue over its WebSocket or its held long-polling `GET`.
final class ServerCore {
    let config: StreamServerConfig
    let dataSource: any StreamServerDataSource
    let directory: AssetDirectory
    let inbox: ServerInbox
    let counters = ServerCounters()
    let logger: Logger
    let worker = DispatchQueue(label: "qflux.server.data")
    /// Backtests and indicator requests: their own queue, so a long backtest never delays history.
    let analysisQueue = DispatchQueue(label: "qflux.server.analysis")
    /// CSV API listings and file reads (a concurrent queue: each stream has at most one read in flight).
    let httpQueue = DispatchQueue(label: "qflux.server.http", attributes: .concurrent)
    /// Analysis requests queued or running (network thread).
    var analysisPending = 0
    /// Analysis requests queued or running, by client and by peer address.
    var analysisByClient: [UInt64: Int] = [:]
    var analysisByAddress: [String: Int] = [:]
    let startedAt = monotonicNanos()
    /// Accepted origins and `Host` names.
    let accessPolicy: AccessPolicy

    var sessions: [UInt64: ClientSession] = [:]
    /// Sessions by their Engine.IO `sid` (long-polling requests and upgrades name them so).
    var sessionsBySID: [String: UInt64] = [:]
    var nextSessionID: UInt64 = 1
    /// The HTTP request under way on each connection, by the connection's key (its per-session data).
    var httpExchanges: [UInt64: HTTPExchange] = [:]
    /// HTTP slots held by each peer address (``HTTPSlotsByAddress``).
    let httpSlotsByAddress = HTTPSlotsByAddress()
    /// WebSockets between their handshake and `LWS_CALLBACK_ESTABLISHED` that upgrade a
    /// long-polling session: connection → session id.
    var pendingUpgrades: [OpaquePointer: UInt64] = [:]
    /// Connections still sending their request headers, for the per-address slowloris limit.
    var headerGuard = HeaderGuard()
    /// Long-polling sessions between their handshake and their Socket.IO connect.
    lazy var handshakes = HandshakePool(capacity: config.maxPendingHandshakes,
                                        perAddress: config.maxPendingHandshakesPerAddress)
    /// The timer of long-polling sessions (pings, deadlines); nil while the server is stopped.
    var ticker: UnsafeMutablePointer<qf_lws_ticker>?
    var tickerScheduled = false
    var lastParkedCheck: UInt64 = 0
    var parkedScratch: [HTTPExchange] = []
    var pollScratch: [pollfd] = []
    var httpScratch: [HTTPResult] = []
    var routes: [SubscriptionKey: [ClientSession]] = [:]
    /// Focus, history jobs, the shared listing (ServerEventState.swift).
    var events = ServerEventState()
    var followers = 0
    var names: [String] = []
    var status: SourceStatus
    var detected: AssetID?
    var closingAll = false
    var candleScratch: [Candle] = []
    /// While routing a drained batch: sessions that were given messages, written once routing
    /// is done (``flushRouted()``) instead of through a writeable callback each.
    var routedWrites: [ClientSession] = []
    var deferringWrites = false
    var inputScratch: [ServerInput] = []
    var newest: [CandleKey: Int] = [:]
    var order: [Int] = []
    /// Reused write buffer (LWS_PRE spare bytes + the largest message so far).
    /// Connections not read while libwebsockets holds output for them
    /// (``ServerCore/holdReadsWhileOutputBuffered(_:)``).
    var readsHeld: Set<OpaquePointer> = []
    var writeBuffer: UnsafeMutableRawPointer?
    var writeCapacity = 0
    /// Live indicator computations (ServerCore+Indicators.swift).
    lazy var liveIndicators = LiveIndicatorHub(limits: config.liveIndicators)

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

    /// After each service turn (network thread): watches parked HTTP connections; false once
    /// every client is gone after ``StreamServer/stop()`` (the service loop then ends).
    func afterServiceTurn() -> Bool {
        if !httpExchanges.isEmpty { checkParkedConnections() }
        return !(inbox.stopping.load(ordering: .acquiring) && closingAll && sessions.isEmpty)
    }

    // MARK: sessions

    /// Opens a session on a new WebSocket (`.websocket(wsi)`) or a long-polling handshake
    /// (`.polling`) and queues its Engine.IO open packet.
    func openSession(transport: ClientSession.Transport, address: String) -> ClientSession {
        let id = nextSessionID
        nextSessionID += 1
        var sid = Self.makeSID()
        while sessionsBySID[sid] != nil { sid = Self.makeSID() }
        let s = ClientSession(id: id, transport: transport, sid: sid, address: address, maxMessageBytes: config.maxInboundMessageBytes,
                              queueLimit: config.clientQueueLimit, byteBudget: config.clientByteBudget)
        sessions[id] = s
        sessionsBySID[sid] = id
        counters.clients.store(sessions.count, ordering: .relaxed)
        counters.add(counters.connectionsTotal)
        switch transport {
        case .websocket(let wsi):
            if config.token != nil {
                // Unauthenticated until a Socket.IO connect with the right token: bounded time.
                qf_lws_set_user_timeout(wsi, Int32(max(1, config.unauthenticatedTimeout)))
            }
        case .polling:
            // the ticker enforces the unauthenticated timeout, pings and the missing-GET deadline
            counters.pollingSessions.wrappingAdd(1, ordering: .relaxed)
            counters.add(counters.pollingSessionsTotal)
            s.pingDue = monotonicNanos() + UInt64(config.pingInterval * 1e9)
            scheduleTick()
        }
        enqueue(s, SocketIOEncoder.open(sid: s.sid, upgrades: s.isPolling ? ["websocket"] : [],
                                         pingIntervalMs: Int(config.pingInterval * 1000),
                                         pingTimeoutMs: Int(config.pingTimeout * 1000),
                                         maxPayload: config.maxInboundMessageBytes), force: true)
        return s
    }

    /// Forgets a session (its connection is gone or is being closed).
    func closeSession(_ s: ClientSession) {
        guard sessions[s.id] === s else { return }
        if config.token != nil, !s.authenticated, !s.killed, !s.closeAfterFlush,
           Double(monotonicNanos() - s.openedAt) / 1e9 >= Double(max(1, config.unauthenticatedTimeout)) - 0.25 {
            counters.add(counters.authTimeouts)
        }
        s.killed = true
        if handshakes.count > 0 { handshakes.remove(session: s.id) }
        sessions[s.id] = nil
        sessionsBySID[s.sid] = nil
        if s.isPolling { counters.pollingSessions.wrappingSubtract(1, ordering: .relaxed) }
        counters.clients.store(sessions.count, ordering: .relaxed)
        if s.focus != .none || !s.subscriptions.isEmpty { rebuildRoutes() }
    }

    /// Sessions that count against `maxClients`: all but handshakes awaiting their connect.
    var admittedSessions: Int { sessions.count - handshakes.count }

    /// Sessions that have not authenticated, less handshakes awaiting their connect (they have
    /// their own pool): what `maxUnauthenticated` bounds.
    var unauthenticatedSessions: Int {
        sessions.values.lazy.filter { !$0.authenticated }.count - handshakes.count
    }

    /// The session named by an Engine.IO `sid`.
    func session(sid: String) -> ClientSession? {
        sessionsBySID[sid].flatMap { sessions[$0] }
    }

    static func makeSID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    // MARK: outbound

    /// Queues a message for a client and asks for a write. Drops it when the queue is full, and
    /// disconnects a client that stays full longer than the grace period. Every message, forced
    /// (protocol control) or not, counts toward the client's byte budget: a client whose queue
    /// would pass it is cut at once. A forced Engine.IO pong (`3…`) replaces a pong still queued.
    func enqueue(_ s: ClientSession, _ bytes: [UInt8], key: CandleKey? = nil, force: Bool = false) {
        guard !s.killed else { return }
        let frame: OutFrame
        if let key {
            frame = OutFrame(bytes: bytes, coalescing: .candle(key))
        } else if force, bytes.first == UInt8(ascii: "3") {
            frame = OutFrame(bytes: bytes, coalescing: .pong)  // only the newest pong matters
        } else {
            frame = OutFrame(bytes: bytes, coalescing: .none)
        }
        switch s.queue.push(frame, force: force) {
        case .coalesced:
            counters.add(counters.coalesced)
            noteQueueBytes(s)
        case .queued:
            let depth = s.queue.count
            if depth > counters.maxQueueDepth.load(ordering: .relaxed) {
                counters.maxQueueDepth.store(depth, ordering: .relaxed)
            }
            noteQueueBytes(s)
        case .overBudget:
            counters.add(counters.budgetDisconnects)
            logger.info("disconnecting client over its byte budget",
                        metadata: ["sid": "\(s.sid)", "queued_bytes": "\(s.queue.bytes)", "queued": "\(s.queue.count)"])
            kill(s)
            return
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
        if deferringWrites, case .websocket = s.transport, !s.writeRouted {
            s.writeRouted = true
            routedWrites.append(s)
            return
        }
        requestWrite(s)
    }

    private func noteQueueBytes(_ s: ClientSession) {
        let b = s.queue.bytes
        if b > counters.maxQueueBytes.load(ordering: .relaxed) { counters.maxQueueBytes.store(b, ordering: .relaxed) }
    }

    /// Bytes of an inbound message that cost one token of the rate limit (a larger message costs
    /// one more per started block): the limit bounds bytes as well as messages.
    static let inboundTokenBytes = 4096

    /// Takes an inbound message of `bytes` bytes from the client's token bucket (1 token, plus
    /// one per started 4 KiB past the first); false when the client is over its rate.
    func admitInbound(_ s: ClientSession, bytes: Int) -> Bool {
        let rate = config.maxInboundMessagesPerSecond
        guard rate > 0 else { return true }
        let cost = Double(1 + max(0, bytes - 1) / Self.inboundTokenBytes)
        return s.inboundPackets.take(cost, now: monotonicNanos(), rate: rate, burst: max(1, config.inboundBurst))
    }

    func broadcast(_ name: String, _ payload: [UInt8]) {
        let frame = SocketIOEncoder.event(name, payload: payload)
        for s in sessions.values where s.socketConnected { enqueue(s, frame) }
    }

    func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int? = nil) {
        enqueue(s, SocketIOEncoder.event(name, payload: payload))
        if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
    }
}

