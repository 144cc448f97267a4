import FastDecode
import ThreadSupport

/// One Engine.IO / Socket.IO client, owned by the network thread – whatever carries it: a
/// WebSocket, or HTTP long-polling (a `GET` held until there is something to send, `POST`s for
/// what the client sends) that may later upgrade to a WebSocket. Everything above the transport
/// (events, routing, queues, budgets) sees one kind of session; only `Network/` looks at
/// ``transport``.
final class ClientSession {
    /// Whether the client receives the server-wide focus (``ServerFocus``, docs/server-protocol.md).
    enum Focus: Equatable {
        /// It sent `subscribe` (and no `start_stream`/`change_asset` since): its subscriptions only.
        case none
        /// It has made no choice: it listens to the focus, like every client of the original.
        case passive
        /// It sent `start_stream` / `change_asset`: the focus, besides any subscriptions.
        case requested
    }

    /// The connection the session writes to.
    enum Transport: Equatable {
        /// A WebSocket connection (from the start, or after an upgrade).
        case websocket(OpaquePointer)
        /// HTTP long-polling: messages wait in the queue until a `GET` (``ClientSession/pendingGET``) takes them.
        case polling
    }

    let id: UInt64
    let sid: String
    /// The peer address it connected from (its WebSocket's, or its handshake `GET`'s): what the
    /// per-address shares of server-wide pools count by.
    let address: String
    var transport: Transport
    /// The WebSocket's descriptor while ``transport`` is `.websocket` (-1 otherwise): what
    /// ``WebSocketTransport/writeRouted(_:_:)`` sends to without going through libwebsockets.
    var socketFD: Int32 = -1
    var parser: SocketIOParser
    /// Its outbound messages. Pushed and popped once per update for every client: no dynamic
    /// exclusivity check (the session is the network thread's alone, and nothing holds the queue
    /// across a call that could reach it again).
    @exclusivity(unchecked) var queue: OutboundQueue
    var socketConnected = false
    var focus: Focus = .passive
    /// Request budget, history backlog, pending listing (ServerCore+Limits.swift).
    var requests = ClientRequests()
    var subscriptions: Set<SubscriptionKey> = []
    var awaitingPong = false
    var overLimitSince: UInt64?
    var closeAfterFlush = false
    /// In ``ServerCore/routedWrites`` (written when the drained batch is routed).
    var writeRouted = false
    /// Told it ran out of request budget; its `disconnect` follows when the ping timer fires
    /// (``ServerCore/budgetDisconnectGrace`` later) and its events are ignored until then.
    var overBudget = false
    var killed = false
    /// Connected with the right token (or no token needed) at least once.
    var authenticated = false
    /// When the session was opened (monotonic ns).
    let openedAt = monotonicNanos()
    /// The transport's inbound packet rate limit (``ServerCore/admitInbound(_:bytes:)``).
    var inboundPackets = TokenBucket()

    // MARK: long-polling state (network thread)

    /// The held `GET` (its connection), when one waits for messages.
    var pendingGET: OpaquePointer?
    /// The held `GET`'s connection key (its exchange in `ServerCore.httpExchanges`).
    var pendingGETKey: UInt64 = 0
    /// A `POST` is being received (a second concurrent one closes the session).
    var postInFlight = false
    /// When the last `GET` arrived or ended (monotonic ns): a session without one for
    /// pingInterval + pingTimeout is closed.
    var lastPollAt = monotonicNanos()
    /// When the next ping is due, or the pong deadline when ``awaitingPong`` (monotonic ns).
    var pingDue: UInt64 = 0
    /// The WebSocket that is upgrading this polling session (between its `2probe` and `5`).
    var upgradeWSI: OpaquePointer?
    /// The upgrading WebSocket sent `2probe`: its `3probe` is owed (``probeReplyOwed``) and held
    /// `GET`s are answered at once with a noop (`6`) so the client stops polling.
    var probed = false
    var probeReplyOwed = false
    /// Bytes of the message the upgrading WebSocket is receiving (`2probe`, `5`: tiny).
    var upgradeMessage: [UInt8] = []

    init(
        id: UInt64, transport: Transport, sid: String, address: String, maxMessageBytes: Int, queueLimit: Int,
        byteBudget: Int
    ) {
        self.id = id
        self.address = address
        self.transport = transport
        self.sid = sid
        parser = SocketIOParser(maxMessageBytes: maxMessageBytes)
        queue = OutboundQueue(limit: queueLimit, byteBudget: byteBudget)
    }

    /// Receives the focus's `candle_update`s (see ``Focus``).
    var listensToFocus: Bool { focus != .none }

    /// The session's WebSocket connection; nil for a long-polling session (which has no
    /// connection of its own: `qf_lws_*` helpers given nil do nothing).
    var wsi: OpaquePointer? {
        if case .websocket(let w) = transport { return w }
        return nil
    }

    /// True while the session is carried by long-polling (also while a WebSocket upgrade is under way).
    var isPolling: Bool { transport == .polling }
}
