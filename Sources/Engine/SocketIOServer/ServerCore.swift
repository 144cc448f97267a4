import CLibWebSockets
import Candles
import FastDecode
import Foundation
import Logging
import Ring
import Synchronization
import ThreadSupport

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
    let counters: ServerCounters
    let logger: Logger
    let worker = DispatchQueue(label: "qflux.server.data")
    /// Backtests and indicator requests: their own queue, so a long backtest never delays history.
    let analysisQueue = DispatchQueue(label: "qflux.server.analysis")
    /// CSV API listings and file reads (a concurrent queue: each stream has at most one read in flight).
    let httpQueue = DispatchQueue(label: "qflux.server.http", attributes: .concurrent)
    let startedAt = monotonicNanos()
    /// Accepted origins and `Host` names.
    let accessPolicy: AccessPolicy

    // MARK: the parts (each owns its state; all on this thread)

    /// Sessions and transports: the session table, upgrades, held reads, outbound queues.
    let sessions: ServerSessions
    /// Focus and routing: subscriptions, the focus and its listeners, asset names.
    let router = FocusRouter()
    /// HTTP exchanges and REST: the request under way per connection, CSV API results.
    let exchanges = HTTPExchanges()
    /// Sessions and transports: the lws calls on connections (writes, headers, aborts, held reads).
    let io: ConnectionIO
    /// Sessions and transports: WebSocket sessions and upgrades.
    lazy var webSockets = WebSocketTransport(
        host: self, config: config, counters: counters, logger: logger,
        sessions: sessions, io: io, exchanges: exchanges)
    /// Sessions and transports: Engine.IO long-polling sessions.
    lazy var polling = PollingTransport(
        host: self, config: config, counters: counters, logger: logger,
        sessions: sessions, io: io, exchanges: exchanges)
    /// HTTP exchanges and REST: routing, answers, CSV streams.
    lazy var httpRoutes = HTTPRoutes(
        host: self, config: config, counters: counters, logger: logger, sessions: sessions,
        io: io, exchanges: exchanges, polling: polling, dataSource: dataSource, inbox: inbox,
        httpQueue: httpQueue)
    /// Focus and routing: the focus set by clients and the broker chart.
    lazy var focus = FocusControl(
        host: self, config: config, router: router, sessions: sessions, jobs: jobs,
        directory: directory)
    /// The Socket.IO event handlers (with analysis admission).
    lazy var handlers = EventHandlers(
        host: self, config: config, counters: counters, sessions: sessions, router: router,
        focus: focus,
        jobs: jobs, directory: directory, dataSource: dataSource, inbox: inbox,
        worker: worker, analysisQueue: analysisQueue, liveIndicators: liveIndicators)
    /// Limits: rates, client limits, the handshake pool, the slow-header guard, CSV answer shares.
    var limits: ServerLimits
    /// Limits: history jobs (bounded per client, shared per key) and the shared listing.
    let jobs: RequestJobs
    /// Live indicator computations (ServerCore+Indicators.swift).
    lazy var liveIndicators = LiveIndicatorHub(limits: config.liveIndicators)

    // MARK: the coordinator's own state

    /// The timer of long-polling sessions (pings, deadlines); nil while the server is stopped.
    var ticker: UnsafeMutablePointer<qf_lws_ticker>?
    var tickerScheduled = false
    /// The source's connection history (ServerEventState.swift).
    var events = ServerEventState()
    var status: SourceStatus
    var detected: AssetID?
    var closingAll = false
    var inputScratch: [ServerInput] = []

    init(
        config: StreamServerConfig, dataSource: any StreamServerDataSource, directory: AssetDirectory,
        status: SourceStatus, logger: Logger
    ) {
        self.config = config
        self.dataSource = dataSource
        self.directory = directory
        self.status = status
        self.logger = logger
        let counters = ServerCounters()
        self.counters = counters
        inbox = ServerInbox(capacity: config.handoffCapacity, traceFanout: config.traceFanout)
        sessions = ServerSessions(config: config, counters: counters)
        limits = ServerLimits(config: config, counters: counters)
        jobs = RequestJobs(
            config: config, counters: counters, sessions: sessions, dataSource: dataSource,
            directory: directory, inbox: inbox, worker: worker)
        accessPolicy = AccessPolicy(
            bindAddress: config.bindAddress, allowedOrigins: config.allowedOrigins,
            allowedHosts: config.allowedHosts)
        io = ConnectionIO(
            config: config, counters: counters, logger: logger, accessPolicy: accessPolicy,
            sessions: sessions)
    }

    /// The counters now, with the ring's drop count.
    func stats() -> StreamServerStats { counters.snapshot(handoffDrops: inbox.candles.dropped) }

    /// After each service turn (network thread): watches parked HTTP connections; false once
    /// every client is gone after ``StreamServer/stop()`` (the service loop then ends).
    func afterServiceTurn() -> Bool {
        if !exchanges.isEmpty { httpRoutes.checkParkedConnections() }
        return !(inbox.stopping.load(ordering: .acquiring) && closingAll && sessions.isEmpty)
    }

    // MARK: sessions

    /// Opens a session on a new WebSocket (`.websocket(wsi)`) or a long-polling handshake
    /// (`.polling`) and queues its Engine.IO open packet.
    func openSession(transport: ClientSession.Transport, address: String) -> ClientSession {
        let s = sessions.open(transport: transport, address: address)
        switch transport {
        case .websocket(let wsi):
            if config.token != nil {
                // Unauthenticated until a Socket.IO connect with the right token: bounded time.
                qf_lws_set_user_timeout(wsi, Int32(max(1, config.unauthenticatedTimeout)))
            }
        case .polling:
            // the ticker enforces the unauthenticated timeout, pings and the missing-GET deadline
            scheduleTick()
        }
        enqueue(
            s,
            SocketIOEncoder.open(
                sid: s.sid, upgrades: s.isPolling ? ["websocket"] : [],
                pingIntervalMs: Int(config.pingInterval * 1000),
                pingTimeoutMs: Int(config.pingTimeout * 1000),
                maxPayload: config.maxInboundMessageBytes), force: true)
        return s
    }

    /// Forgets a session (its connection is gone or is being closed).
    func closeSession(_ s: ClientSession) {
        guard sessions[s.id] === s else { return }
        if config.token != nil, !s.authenticated, !s.killed, !s.closeAfterFlush,
            Double(monotonicNanos() - s.openedAt) / 1e9 >= Double(max(1, config.unauthenticatedTimeout)) - 0.25
        {
            counters.add(counters.authTimeouts)
        }
        s.killed = true
        limits.handshakeEnded(session: s.id)
        sessions.remove(s)
        handlers.signalSessionClosed(s)
        if s.focus != .none || !s.subscriptions.isEmpty { router.markStale() }
    }

    /// Why a new client is refused now (counted), or nil; `checkUnauthenticated: false` for a
    /// WebSocket's protocol check (its unauthenticated limit was checked at its upgrade).
    func clientRefusal(checkUnauthenticated: Bool = true) -> ServerLimits.ClientRefusal? {
        limits.clientRefusal(
            sessions: sessions.count, unauthenticated: { sessions.unauthenticatedCount },
            closing: closingAll, checkUnauthenticated: checkUnauthenticated)
    }

    // MARK: outbound

    /// Queues a message for a client and asks for a write. Drops it when the queue is full, and
    /// disconnects a client that stays full longer than the grace period. Every message, forced
    /// (protocol control) or not, counts toward the client's byte budget: a client whose queue
    /// would pass it is cut at once. A forced Engine.IO pong (`3…`) replaces a pong still queued.
    func enqueue(_ s: ClientSession, _ bytes: [UInt8], key: CandleKey? = nil, force: Bool = false) {
        guard !s.killed else { return }
        switch sessions.push(s, bytes, key: key, force: force) {
        case .write:
            if !sessions.deferWrite(s) { requestWrite(s) }
        case .overBudget:
            logger.info(
                "disconnecting client over its byte budget",
                metadata: ["sid": "\(s.sid)", "queued_bytes": "\(s.queue.bytes)", "queued": "\(s.queue.count)"])
            kill(s)
        case .slow:
            logger.info("disconnecting slow client", metadata: ["sid": "\(s.sid)", "queued": "\(s.queue.count)"])
            kill(s)
        }
    }

    /// Takes an inbound message of `bytes` bytes from the client's packet bucket; false (counted)
    /// when the client is over its rate.
    func admitInbound(_ s: ClientSession, bytes: Int) -> Bool {
        limits.admitInbound(&s.inboundPackets, bytes: bytes, now: monotonicNanos())
    }

    func broadcast(_ name: String, _ payload: [UInt8]) {
        let frame = SocketIOEncoder.event(name, payload: payload)
        for s in sessions.all where s.socketConnected { enqueue(s, frame) }
    }

    func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int? = nil) {
        enqueue(s, SocketIOEncoder.event(name, payload: payload))
        if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
    }
}

extension ServerCore: PollingHost, HTTPHost, EventHost {
    func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool { handlers.handlePacket(s, packet) }

    func send(_ s: ClientSession, _ bytes: [UInt8], force: Bool) { enqueue(s, bytes, force: force) }

    func handshakeEnded(session: UInt64) { limits.handshakeEnded(session: session) }

    func admitHandshake(session: UInt64, address: String) -> [UInt64] {
        limits.admitHandshake(session: session, address: address, now: monotonicNanos())
    }

    func nextRequestID() -> UInt64 { sessions.makeID() }

    @discardableResult
    func respond(_ wsi: OpaquePointer, key: UInt64, _ answer: HTTPAnswer, allowOrigin: String?) -> Int32 {
        httpRoutes.respond(wsi, key: key, answer, allowOrigin: allowOrigin)
    }

    func writeAnswer(_ ex: HTTPExchange, _ a: HTTPAnswer) -> Int32 { httpRoutes.writeAnswer(ex, a) }

    func headersDone(_ wsi: OpaquePointer) { limits.headerGuard.done(wsi) }

    func httpStreamRefusal(address: String) -> String? {
        limits.httpStreamRefusal(address: address, closing: closingAll)
    }

    func httpSlot(address: String) -> HTTPSlot { limits.httpSlot(address: address) }
}
