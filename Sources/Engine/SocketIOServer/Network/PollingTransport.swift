import CLibWebSockets
import Foundation
import Logging
import ThreadSupport

/// Engine.IO v4 HTTP long-polling on `/socket.io/?EIO=4&transport=polling`:
///
/// - `GET` without `sid`: the handshake; the answer is the open packet (`upgrades: ["websocket"]`).
/// - `GET …&sid=`: held (no header buffer kept, a deadline of pingInterval + pingTimeout) until the
///   session has messages – then up to 16 packets joined by `0x1e` – or a ping is due. One per
///   session: a second concurrent `GET` is refused with 400 and closes the session (the first
///   gets the close packet `1`).
/// - `POST …&sid=`: the client's packets joined by `0x1e`, at most `maxPayload` bytes (else 413
///   and the session closes); answered `ok`. A second concurrent `POST` closes the session too.
/// - Unknown `sid`: 400 `{"code":1,"message":"Session ID unknown"}`.
/// (network thread, owned by ``ServerCore``; part of sessions and transports). Reaches the
/// coordinator only through ``PollingHost``.
final class PollingTransport {
    let config: StreamServerConfig
    let counters: ServerCounters
    let logger: Logger
    let sessions: ServerSessions
    let io: ConnectionIO
    /// The exchanges: held `GET`s and `POST`s under way are exchanges.
    let exchanges: HTTPExchanges
    /// The coordinator, which owns this transport and outlives it.
    unowned(unsafe) let host: any PollingHost

    init(
        host: any PollingHost, config: StreamServerConfig, counters: ServerCounters, logger: Logger,
        sessions: ServerSessions, io: ConnectionIO, exchanges: HTTPExchanges
    ) {
        self.host = host
        self.config = config
        self.counters = counters
        self.logger = logger
        self.sessions = sessions
        self.io = io
        self.exchanges = exchanges
    }

    /// Packets per long-polling answer at most (python-engineio clients refuse more than 16).
    static let maxPollPackets = 16
    /// Bytes after which a long-polling answer takes no further packet.
    static let maxPollBytes = 512 * 1024

    private func engineIOError(_ status: UInt32, _ code: Int, _ message: String) -> HTTPAnswer {
        HTTPExchanges.jsonAnswer(status, "{\"code\":\(code),\"message\":\"\(message)\"}")
    }

    /// `LWS_CALLBACK_HTTP` on `/socket.io/`: long-polling requests (WebSocket upgrades never get here).
    func engineIO(_ wsi: OpaquePointer, key: UInt64) -> Int32 {
        // a page of an accepted origin may poll cross-origin (io.refusal() has vetted the Origin)
        let origin = io.header(wsi, qf_lws_token_origin()).flatMap { $0.isEmpty ? nil : $0 }
        let method = qf_lws_method(wsi)
        guard io.queryArg(wsi, "EIO=") == "4" else {
            return host.respond(
                wsi, key: key, engineIOError(400, 5, "Unsupported protocol version"), allowOrigin: origin)
        }
        guard io.queryArg(wsi, "transport=") == "polling" else {
            return host.respond(
                wsi, key: key,
                engineIOError(
                    400, 0, "Transport unknown: use transport=polling, or a WebSocket upgrade for transport=websocket"),
                allowOrigin: origin)
        }
        guard let sid = io.queryArg(wsi, "sid=") else {
            guard method == Int32(QF_LWS_METHOD_GET) else {
                return host.respond(wsi, key: key, engineIOError(400, 2, "Bad handshake method"), allowOrigin: origin)
            }
            return handshake(wsi, key: key, origin: origin)
        }
        guard let s = sessions.session(sid: sid), !s.killed else {
            return host.respond(wsi, key: key, engineIOError(400, 1, "Session ID unknown"), allowOrigin: origin)
        }
        guard s.isPolling else {
            return host.respond(
                wsi, key: key, engineIOError(400, 3, "Bad request: the session moved to its WebSocket"),
                allowOrigin: origin)
        }
        switch method {
        case Int32(QF_LWS_METHOD_GET):
            if let old = s.pendingGET, io.peerClosed(old) {
                // the client gave up on its held GET (a closed connection is no overlap)
                dropHeldGET(s, old)
            }
            if s.pendingGET != nil {
                counters.add(counters.pollingOverlaps)
                logger.debug("closing a long-polling session after overlapping GETs", metadata: ["sid": "\(s.sid)"])
                host.respond(wsi, key: key, engineIOError(400, 3, "Bad request: overlapping GET"), allowOrigin: origin)
                closePolling(s)
                return 0
            }
            return hold(s, wsi, key: key, origin: origin)
        case Int32(QF_LWS_METHOD_POST):
            if s.postInFlight {
                counters.add(counters.pollingOverlaps)
                host.respond(wsi, key: key, engineIOError(400, 3, "Bad request: overlapping POST"), allowOrigin: origin)
                closePolling(s)
                return 0
            }
            if qf_lws_content_length(wsi) > Int64(config.maxInboundMessageBytes) {
                return refuseOversizePOST(wsi, s)
            }
            s.postInFlight = true
            exchanges[key] = HTTPExchange(
                connection: key, request: host.nextRequestID(), wsi: wsi,
                kind: .post(session: s.id), allowOrigin: origin)
            return 0  // the body follows (LWS_CALLBACK_HTTP_BODY…)
        default:
            return host.respond(wsi, key: key, engineIOError(400, 2, "Bad request method"), allowOrigin: origin)
        }
    }

    /// A new long-polling session. It waits for its Socket.IO connect in the handshake pool
    /// (``HandshakePool``), apart from the clients `maxClients` and `maxUnauthenticated` bound:
    /// handshakes nobody continues cost one request each and cannot lock real clients out.
    private func handshake(_ wsi: OpaquePointer, key: UInt64, origin: String?) -> Int32 {
        if let refused = host.clientRefusal(checkUnauthenticated: true) {
            return host.respond(
                wsi, key: key, HTTPExchanges.jsonAnswer(503, "{\"error\":\"\(refused.message)\"}"), allowOrigin: nil)
        }
        let address = io.peerAddress(lws_get_socket_fd(wsi)) ?? "unknown"
        let s = host.openSession(transport: .polling, address: address)
        for id in host.admitHandshake(session: s.id, address: address) {
            guard let old = sessions[id] else { continue }
            counters.add(counters.handshakesEvicted)
            closePolling(old)
        }
        return hold(s, wsi, key: key, origin: origin)
    }

    /// Holds a `GET` until the session has something to send (answered at once when it has).
    private func hold(_ s: ClientSession, _ wsi: OpaquePointer, key: UInt64, origin: String?) -> Int32 {
        s.pendingGET = wsi
        s.pendingGETKey = key
        s.lastPollAt = monotonicNanos()
        let ex = HTTPExchange(
            connection: key, request: host.nextRequestID(), wsi: wsi, kind: .poll(session: s.id),
            allowOrigin: origin)
        exchanges[key] = ex
        // a ping comes within pingInterval; the deadline only catches what goes wrong
        lws_set_timeout(
            wsi, PENDING_TIMEOUT_USER_OK, Int32((config.pingInterval + config.pingTimeout).rounded(.up)) + 5)
        io.park(ex)  // a held poll keeps no header buffer from the pool
        if !s.queue.isEmpty || s.closeAfterFlush || s.probed { lws_callback_on_writable(wsi) }
        return 0
    }

    /// Answers a held `GET` with what the session has queued.
    func pollWriteable(_ ex: HTTPExchange, session id: UInt64) -> Int32 {
        guard let s = sessions[id], !s.killed, s.pendingGET == ex.wsi else {
            exchanges[ex.connection] = nil
            return host.writeAnswer(
                ex, HTTPAnswer(status: 200, contentType: HTTPExchanges.pollingContentType, body: SocketIOEncoder.close))
        }
        var packets: [[UInt8]] = []
        var size = 0
        while packets.count < Self.maxPollPackets, size < Self.maxPollBytes, let f = s.queue.pop() {
            size += f.bytes.count + 1
            packets.append(f.bytes)
        }
        let sent = packets.count
        var closing = false
        if packets.isEmpty {
            if s.closeAfterFlush {
                packets = [SocketIOEncoder.close]
                closing = true
            } else if s.probed {
                packets = [SocketIOEncoder.noop]
            } else {
                return 0  // woken with nothing to send: keep holding
            }
        } else if s.closeAfterFlush, s.queue.isEmpty, packets.count < Self.maxPollPackets {
            packets.append(SocketIOEncoder.close)
            closing = true
        }
        let body = EngineIOPayload.join(packets)
        s.pendingGET = nil
        s.lastPollAt = monotonicNanos()
        exchanges[ex.connection] = nil
        counters.add(counters.messagesSent, UInt64(sent))
        counters.add(counters.bytesSent, UInt64(body.count))
        if s.queue.count <= s.queue.limit / 2 { s.overLimitSince = nil }
        if closing { host.closeSession(s) }
        return host.writeAnswer(ex, HTTPAnswer(status: 200, contentType: HTTPExchanges.pollingContentType, body: body))
    }

    /// Forgets a held `GET` whose client has closed its connection, and closes that connection.
    func dropHeldGET(_ s: ClientSession, _ wsi: OpaquePointer) {
        if let ex = exchanges[s.pendingGETKey], ex.wsi == wsi { exchanges[s.pendingGETKey] = nil }
        s.pendingGET = nil
        s.lastPollAt = monotonicNanos()
        io.abort(wsi)
    }

    /// Ends a long-polling session gracefully: a held `GET` gets the close packet `1`, an
    /// upgrading WebSocket is closed, the session is forgotten.
    func closePolling(_ s: ClientSession) {
        guard s.isPolling, !s.killed else { return }
        if let g = s.pendingGET, let ex = exchanges[s.pendingGETKey], ex.wsi == g {
            ex.kind = .answer(
                HTTPAnswer(status: 200, contentType: HTTPExchanges.pollingContentType, body: SocketIOEncoder.close))
            lws_callback_on_writable(g)
        }
        s.pendingGET = nil
        if let u = s.upgradeWSI {
            s.upgradeWSI = nil
            qf_lws_kill_async(u)
        }
        host.closeSession(s)
    }

    /// A `POST` over the size limit: 413, then the connection and the session close.
    private func refuseOversizePOST(_ wsi: OpaquePointer, _ s: ClientSession) -> Int32 {
        counters.add(counters.inboundErrors)
        counters.add(counters.oversizeMessages)
        logger.debug("closing a long-polling session after an oversize POST", metadata: ["sid": "\(s.sid)"])
        closePolling(s)
        _ = qf_lws_refuse(wsi, 413, "Payload Too Large: more than maxPayload bytes")
        return -1
    }

    /// `LWS_CALLBACK_HTTP_BODY`: collects a long-polling `POST` (bodies of other requests are ignored).
    func httpBody(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?, _ len: Int)
        -> Int32
    {
        guard let user, let ex = exchanges.exchange(key: user.load(as: UInt64.self), on: wsi),
            case .post(let id) = ex.kind
        else { return 0 }
        guard ex.body.count + len <= config.maxInboundMessageBytes else {
            exchanges[ex.connection] = nil
            if let s = sessions[id] {
                s.postInFlight = false
                return refuseOversizePOST(wsi, s)
            }
            return -1
        }
        if let input, len > 0 { ex.body.append(contentsOf: UnsafeRawBufferPointer(start: input, count: len)) }
        return 0
    }

    /// `LWS_CALLBACK_HTTP_BODY_COMPLETION`: handles the packets of a long-polling `POST`.
    func httpBodyComplete(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> Int32 {
        guard let user else { return -1 }
        let key = user.load(as: UInt64.self)
        guard let ex = exchanges[key], ex.wsi == wsi, case .post(let id) = ex.kind else {
            // a body for a request answered already (it was discarded)
            return 0
        }
        guard let s = sessions[id], !s.killed, s.isPolling else {
            return host.respond(wsi, key: key, engineIOError(400, 1, "Session ID unknown"), allowOrigin: ex.allowOrigin)
        }
        s.postInFlight = false
        let body = ex.body
        ex.body = []
        if handlePollingPayload(s, body) {
            return host.respond(
                wsi, key: key, HTTPAnswer(status: 200, contentType: "text/html", body: Array("ok".utf8)),
                allowOrigin: ex.allowOrigin)
        }
        return host.respond(
            wsi, key: key, engineIOError(400, 3, "Bad request: malformed payload"), allowOrigin: ex.allowOrigin)
    }

    /// The packets of a `POST`, in order, through the session's parser and the same packet
    /// handling as WebSocket messages. False when the payload is malformed (the session closes).
    private func handlePollingPayload(_ s: ClientSession, _ body: [UInt8]) -> Bool {
        guard let packets = EngineIOPayload.split(body) else { return false }
        for p in packets {
            if s.killed { break }
            p.withUnsafeBytes { s.parser.feed($0) }
            switch s.parser.finish() {
            case .failure(let error):
                counters.add(counters.inboundErrors)
                if case .tooLarge = error { counters.add(counters.oversizeMessages) }
                logger.debug(
                    "closing a long-polling session after a bad packet",
                    metadata: ["sid": "\(s.sid)", "error": "\(error)"])
                closePolling(s)
                return false
            case .success(let packet):
                guard host.admitInbound(s, bytes: p.count) else {
                    logger.info("disconnecting client over the inbound message rate", metadata: ["sid": "\(s.sid)"])
                    host.kill(s)
                    return true
                }
                if !host.handlePacket(s, packet) {
                    closePolling(s)  // the client closed (`1`), or broke the protocol
                    return true
                }
            }
        }
        return true
    }

    /// The ticker's checks of every long-polling session: an unauthenticated one past its
    /// deadline, one without a `GET` for pingInterval + pingTimeout (counted) are closed; one whose
    /// ping is due gets it. True when there is any long-polling session (the ticker goes on).
    func checkDeadlines(now: UInt64) -> Bool {
        let getDeadline = UInt64((config.pingInterval + config.pingTimeout) * 1e9)
        let authDeadline = UInt64(max(1, config.unauthenticatedTimeout)) * 1_000_000_000
        var polling = false
        for s in sessions.all where s.isPolling && !s.killed {
            polling = true
            if config.token != nil, !s.authenticated, now &- s.openedAt >= authDeadline {
                // closeSession counts it as an auth timeout
                closePolling(s)
            } else if s.pendingGET == nil, s.upgradeWSI == nil, now &- s.lastPollAt >= getDeadline {
                counters.add(counters.pollingTimeouts)
                logger.debug("closing a long-polling session without GET", metadata: ["sid": "\(s.sid)"])
                closePolling(s)
            } else if now >= s.pingDue {
                host.pingTimerFired(s)
            }
        }
        return polling
    }
}
