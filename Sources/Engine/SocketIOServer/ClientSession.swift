import FastDecode

/// One WebSocket client, owned by the network thread.
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

    let id: UInt64
    let wsi: OpaquePointer
    let sid: String
    var parser: SocketIOParser
    var queue: OutboundQueue
    var socketConnected = false
    var focus: Focus = .passive
    /// Request budget, history backlog, pending listing (ServerCore+Limits.swift).
    var requests = ClientRequests()
    var subscriptions: Set<SubscriptionKey> = []
    var awaitingPong = false
    var overLimitSince: UInt64?
    var closeAfterFlush = false
    var killed = false
    /// Connected with the right token (or no token needed) at least once.
    var authenticated = false
    /// When the WebSocket was accepted (monotonic ns).
    let openedAt = monotonicNanos()

    init(id: UInt64, wsi: OpaquePointer, sid: String, maxMessageBytes: Int, queueLimit: Int) {
        self.id = id
        self.wsi = wsi
        self.sid = sid
        parser = SocketIOParser(maxMessageBytes: maxMessageBytes)
        queue = OutboundQueue(limit: queueLimit)
    }

    /// Receives the focus's `candle_update`s (see ``Focus``).
    var listensToFocus: Bool { focus != .none }
}
