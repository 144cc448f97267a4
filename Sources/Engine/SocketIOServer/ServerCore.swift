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
    /// Backtests and indicator requests: their own queue, so a long backtest never delays history.
    let analysisQueue = DispatchQueue(label: "qflux.server.analysis")
    /// Analysis requests queued or running (network thread).
    var analysisPending = 0
    let startedAt = monotonicNanos()
    let stopping = Atomic<Bool>(false)
    /// Accepted origins and `Host` names.
    let accessPolicy: AccessPolicy

    var sessions: [UInt64: ClientSession] = [:]
    var nextSessionID: UInt64 = 1
    var httpResponses: [UInt64: [UInt8]] = [:]
    var routes: [SubscriptionKey: [ClientSession]] = [:]
    /// Focus, history jobs, the shared listing (ServerEventState.swift).
    var events = ServerEventState()
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
}

/// Monotonic nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
