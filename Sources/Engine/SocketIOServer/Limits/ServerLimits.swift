import Foundation
import Synchronization

/// The server's admission limits (network thread, owned by ``ServerCore``): the per-client token
/// buckets' rates, the client and unauthenticated-client limits, the long-polling handshake pool,
/// the slow-header guard, the per-address share of CSV API answers – and the counters of what they
/// refuse. Each check answers yes or no (and counts a no); what a refusal does to a connection
/// (a 503, a kill) is the caller's, in `Network/`.
struct ServerLimits {
    /// Bytes of an inbound message that cost one token of the rate limit (a larger message costs
    /// one more per started block): the limit bounds bytes as well as messages.
    static let inboundTokenBytes = 4096
    /// Between the `error` that tells a client it ran out of budget and its `disconnect`: clients
    /// that handle events concurrently (python-socketio's asyncio client) would otherwise process
    /// the disconnect first and drop the error.
    static let budgetDisconnectGrace = 0.25
    /// A connection counts as slow once it has been sending its request this long (ns).
    static let slowHeaderAfter: UInt64 = 1_000_000_000

    let config: StreamServerConfig
    let counters: ServerCounters
    /// Connections still sending their request headers, for the per-address slowloris limit.
    var headerGuard = HeaderGuard()
    /// Long-polling sessions between their handshake and their Socket.IO connect.
    var handshakes: HandshakePool
    /// HTTP slots held by each peer address (released on the HTTP queue's threads).
    let httpSlots = HTTPSlotsByAddress()

    init(config: StreamServerConfig, counters: ServerCounters) {
        self.config = config
        self.counters = counters
        handshakes = HandshakePool(
            capacity: config.maxPendingHandshakes, perAddress: config.maxPendingHandshakesPerAddress)
    }

    // MARK: per-client buckets

    /// Takes an inbound message of `bytes` bytes from the client's packet bucket (1 token, plus
    /// one per started 4 KiB past the first); false, counted as rate-limited, when the client is
    /// over its rate.
    func admitInbound(_ bucket: inout TokenBucket, bytes: Int, now: UInt64) -> Bool {
        let rate = config.maxInboundMessagesPerSecond
        guard rate > 0 else { return true }
        let cost = Double(1 + max(0, bytes - 1) / Self.inboundTokenBytes)
        if bucket.take(cost, now: now, rate: rate, burst: max(1, config.inboundBurst)) { return true }
        counters.add(counters.rateLimited)
        return false
    }

    /// Spends one event of the client's event budget; false, counted, when it has none left.
    func takeEvent(_ bucket: inout TokenBucket, now: UInt64) -> Bool {
        if bucket.take(now: now, rate: config.clientEventsPerSecond, burst: config.clientEventBurst) { return true }
        counters.add(counters.clientsOverBudget)
        return false
    }

    /// The `error` text of a client over its event budget.
    var overBudgetMessage: String {
        "too many requests: more than \(Int(config.clientEventsPerSecond)) events/s (burst \(Int(config.clientEventBurst))); disconnecting"
    }

    // MARK: clients

    /// Why a new client is refused.
    enum ClientRefusal: Equatable {
        /// ``StreamServerConfig/maxClients`` sessions are admitted (or the server is stopping).
        case clientLimit
        /// ``StreamServerConfig/maxUnauthenticated`` sessions have not authenticated yet.
        case unauthenticated

        /// The 503 text.
        var message: String {
            switch self {
            case .clientLimit: "Service Unavailable: client limit reached"
            case .unauthenticated: "Service Unavailable: too many unauthenticated clients"
            }
        }
    }

    /// Whether a new session may open, given `sessions` open now and `unauthenticated` of them
    /// not authenticated (both including the handshake pool, which is taken off: handshakes have
    /// their own bound). The unauthenticated limit applies only with a token and when
    /// `checkUnauthenticated`. A refusal is counted.
    func clientRefusal(
        sessions: Int, unauthenticated: () -> Int, closing: Bool,
        checkUnauthenticated: Bool = true
    ) -> ClientRefusal? {
        if sessions - handshakes.count >= config.maxClients || closing {
            counters.add(counters.refusedMaxClients)
            return .clientLimit
        }
        if checkUnauthenticated, config.token != nil, unauthenticated() - handshakes.count >= config.maxUnauthenticated
        {
            counters.add(counters.refusedUnauthenticated)
            return .unauthenticated
        }
        return nil
    }

    /// Takes a new long-polling handshake into the pool; the sessions that give way to it.
    mutating func admitHandshake(session: UInt64, address: String, now: UInt64) -> [UInt64] {
        handshakes.admit(session: session, address: address, now: now)
    }

    /// The session connected or is gone: it leaves the handshake pool.
    mutating func handshakeEnded(session: UInt64) {
        if handshakes.count > 0 { handshakes.remove(session: session) }
    }

    /// Handshakes older than ``StreamServerConfig/handshakeTimeout``, taken out of the pool.
    mutating func expiredHandshakes(now: UInt64) -> [UInt64] {
        guard handshakes.count > 0 else { return [] }
        let timeout = UInt64(max(0.1, config.handshakeTimeout) * 1e9)
        let ids = handshakes.expired(now: now, timeout: timeout)
        for id in ids { handshakes.remove(session: id) }
        return ids
    }

    // MARK: slow headers

    /// A connection from `address` was accepted: the oldest of that address's slow connections
    /// when it already holds its limit of them (no longer tracked, counted as evictions; the
    /// caller closes them).
    mutating func slowHeaderVictims(address: String, now: UInt64) -> [OpaquePointer] {
        let limit = config.maxSlowHeaderConnectionsPerAddress
        guard limit > 0 else { return [] }
        let slow = headerGuard.slow(address: address, now: now, slowAfter: Self.slowHeaderAfter)
        guard slow.count >= limit else { return [] }
        let victims = Array(slow.prefix(slow.count - limit + 1))
        for victim in victims {
            headerGuard.done(victim)
            counters.add(counters.slowHeaderEvictions)
        }
        return victims
    }

    /// Whether connections are timed at all (``StreamServerConfig/maxSlowHeaderConnectionsPerAddress`` > 0).
    var guardsHeaders: Bool { config.maxSlowHeaderConnectionsPerAddress > 0 }

    // MARK: CSV API answers

    /// Why a CSV API request from `address` is refused now (the 503 text), or nil: the server-wide
    /// stream slots, or the address's share of them, are taken (counted), or the server is stopping.
    func httpStreamRefusal(address: String, closing: Bool) -> String? {
        if counters.httpStreams.load(ordering: .relaxed) >= config.maxHTTPStreams || closing {
            counters.add(counters.httpStreamsRefused)
            return "Service Unavailable: too many CSV requests under way, try again"
        }
        if httpSlots.count(address) >= max(1, config.maxHTTPStreamsPerAddress) {
            counters.add(counters.httpStreamsRefused)
            return "Service Unavailable: too many CSV requests from this address under way, try again"
        }
        return nil
    }

    /// A slot for one CSV API answer from `address`, held until the slot is released.
    func httpSlot(address: String) -> HTTPSlot {
        HTTPSlot(counters, byAddress: httpSlots, address: address)
    }
}
