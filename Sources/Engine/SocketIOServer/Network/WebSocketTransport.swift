import CLibWebSockets
import Foundation
import Logging
import Synchronization
import ThreadSupport

/// What the transports need from the coordinator (``ServerCore``): opening and forgetting
/// sessions, the client limits, pings, the Socket.IO packet handling, the inbound rate, cuts and
/// write requests on either transport.
protocol TransportHost: AnyObject {
    /// The server is stopping: no new session, no upgrade.
    var closingAll: Bool { get }
    func openSession(transport: ClientSession.Transport, address: String) -> ClientSession
    func closeSession(_ s: ClientSession)
    func clientRefusal(checkUnauthenticated: Bool) -> ServerLimits.ClientRefusal?
    func armPingTimer(_ s: ClientSession, seconds: Double)
    func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool
    func admitInbound(_ s: ClientSession, bytes: Int) -> Bool
    func kill(_ s: ClientSession)
    func requestWrite(_ s: ClientSession)
}

/// What the long-polling transport needs from the coordinator besides ``TransportHost``: the
/// handshake pool, HTTP answers and pings.
protocol PollingHost: TransportHost {
    /// Takes a new handshake into the pool; the sessions that give way to it.
    func admitHandshake(session: UInt64, address: String) -> [UInt64]
    func nextRequestID() -> UInt64
    @discardableResult
    func respond(_ wsi: OpaquePointer, key: UInt64, _ answer: HTTPAnswer, allowOrigin: String?) -> Int32
    func writeAnswer(_ ex: HTTPExchange, _ a: HTTPAnswer) -> Int32
    /// A session's ping is due (``ServerCore/pingTimerFired(_:)``).
    func pingTimerFired(_ s: ClientSession)
}

/// WebSocket sessions (`/socket.io/?EIO=4&transport=websocket`) and the upgrade of a long-polling
/// session (`…&transport=websocket&sid=<sid>`): `2probe` → `3probe`, held `GET`s answered with a
/// noop, then `5` moves the session – queue, focus, subscriptions, timers – onto the WebSocket
/// (network thread, owned by ``ServerCore``; part of sessions and transports). Reaches the
/// coordinator only through ``TransportHost``.
final class WebSocketTransport {
    let config: StreamServerConfig
    let counters: ServerCounters
    let logger: Logger
    let sessions: ServerSessions
    let io: ConnectionIO
    /// The exchanges (a held `GET` answered when its session moves to the WebSocket).
    let exchanges: HTTPExchanges
    /// The coordinator, which owns this transport and outlives it.
    unowned(unsafe) let host: any TransportHost

    init(
        host: any TransportHost, config: StreamServerConfig, counters: ServerCounters, logger: Logger,
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

    /// Seconds an upgrading WebSocket may take from its handshake to `5`.
    static let upgradeTimeout: Int32 = 10

    /// Before the WebSocket handshake is answered: 403 for a foreign Origin or Host; for an
    /// upgrade, 400 unless the `sid` names a long-polling session that is not already upgrading;
    /// else 503 at the client limit (or too many unauthenticated clients), instead of a dropped
    /// connection.
    func confirmUpgrade(_ wsi: OpaquePointer) -> Int32 {
        if let why = io.refusal(wsi) {
            _ = qf_lws_refuse(wsi, 403, why)
            return 1
        }
        if let sid = io.queryArg(wsi, "sid=") {
            guard let s = sessions.session(sid: sid), s.isPolling, !s.killed, s.upgradeWSI == nil,
                !sessions.isUpgrading(s.id), !host.closingAll
            else {
                _ = qf_lws_refuse(wsi, 400, "Bad request: no long-polling session to upgrade with that sid")
                return 1
            }
            sessions.pendingUpgrades[wsi] = s.id
            return 0
        }
        if let refused = host.clientRefusal(checkUnauthenticated: true) {
            _ = qf_lws_refuse(wsi, 503, refused.message)
            return 1
        }
        return 0
    }

    func acceptUpgrade(_ wsi: OpaquePointer) -> Bool {
        var buf = [CChar](repeating: 0, count: 256)
        let n = qf_lws_request_path(wsi, &buf, Int32(buf.count))
        let path = n < 0 ? "" : String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard path == "/socket.io/" || path == "/socket.io" else { return false }
        if let eio = io.queryArg(wsi, "EIO="), eio != "4" { return false }
        if let transport = io.queryArg(wsi, "transport="), transport != "websocket" { return false }
        if io.queryArg(wsi, "sid=") != nil { return sessions.pendingUpgrades[wsi] != nil }
        return host.clientRefusal(checkUnauthenticated: false) == nil
    }

    func established(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> Int32 {
        guard let user else { return -1 }
        if let target = sessions.pendingUpgrades.removeValue(forKey: wsi) {
            guard let s = sessions[target], s.isPolling, !s.killed, s.upgradeWSI == nil else { return -1 }
            s.upgradeWSI = wsi
            s.probed = false
            s.probeReplyOwed = false
            s.upgradeMessage.removeAll()
            user.storeBytes(of: s.id, as: UInt64.self)
            lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, Self.upgradeTimeout)
            return 0
        }
        let s = host.openSession(
            transport: .websocket(wsi), address: io.peerAddress(lws_get_socket_fd(wsi)) ?? "unknown")
        user.storeBytes(of: s.id, as: UInt64.self)
        s.socketFD = lws_get_socket_fd(wsi)
        host.armPingTimer(s, seconds: config.pingInterval)
        return 0
    }

    func webSocketReceive(
        _ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?,
        _ len: Int
    ) -> Int32 {
        guard let s = session(user) else { return -1 }
        if s.upgradeWSI == wsi { return upgradeReceive(s, wsi, input, len) }
        guard s.wsi == wsi else { return -1 }
        return receive(s, wsi, input, len)
    }

    func webSocketWriteable(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> Int32 {
        guard let s = session(user) else { return -1 }
        if s.wsi == wsi { io.resumeReadsIfDrained(wsi, s) }
        if s.upgradeWSI == wsi {
            guard s.probeReplyOwed else { return 0 }
            s.probeReplyOwed = false
            return io.write(wsi, Self.probeReply, LWS_WRITE_TEXT) ? 0 : -1
        }
        guard s.wsi == wsi else { return -1 }
        return writeable(s, wsi)
    }

    func webSocketClosed(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) {
        if let s = session(user) {
            if s.wsi == wsi, !s.killed, sessions.readsHeld.contains(wsi) {
                // its connection's timeout: it took nothing for the grace period
                counters.add(counters.slowDisconnects)
                logger.info("disconnected a client that stopped reading", metadata: ["sid": "\(s.sid)"])
            }
            if s.upgradeWSI == wsi {
                // the upgrade failed: the session goes on polling
                s.upgradeWSI = nil
                s.probed = false
                s.probeReplyOwed = false
            } else if s.wsi == wsi {
                host.closeSession(s)
            }
        }
        user?.storeBytes(of: 0, as: UInt64.self)
    }

    /// The session whose id is in a WebSocket's per-session data.
    func session(_ user: UnsafeMutableRawPointer?) -> ClientSession? {
        guard let user else { return nil }
        return sessions[user.load(as: UInt64.self)]
    }

    private static let probeRequest: [UInt8] = Array("2probe".utf8)
    private static let probeReply: [UInt8] = Array("3probe".utf8)

    /// A message on an upgrading WebSocket: only `2probe` and then `5` belong there; anything
    /// else ends the upgrade (the session goes on polling).
    private func upgradeReceive(_ s: ClientSession, _ wsi: OpaquePointer, _ input: UnsafeMutableRawPointer?, _ len: Int)
        -> Int32
    {
        if lws_frame_is_binary(wsi) != 0 { return -1 }
        if let input, len > 0 {
            guard s.upgradeMessage.count + len <= 64 else { return -1 }
            s.upgradeMessage.append(contentsOf: UnsafeRawBufferPointer(start: input, count: len))
        }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return 0 }
        let message = s.upgradeMessage
        s.upgradeMessage.removeAll(keepingCapacity: true)
        if message == Self.probeRequest, !s.probed {
            s.probed = true
            s.probeReplyOwed = true
            lws_callback_on_writable(wsi)
            // a held GET gets its answer now (a noop when nothing is queued): the client pauses polling
            if let g = s.pendingGET { lws_callback_on_writable(g) }
            return 0
        }
        if message == [UInt8(ascii: "5")], s.probed {
            completeUpgrade(s, wsi)
            return 0
        }
        logger.debug("upgrade abandoned after an unexpected message", metadata: ["sid": "\(s.sid)"])
        return -1
    }

    /// `5` on the upgrading WebSocket: the session continues there.
    private func completeUpgrade(_ s: ClientSession, _ wsi: OpaquePointer) {
        if let g = s.pendingGET, let ex = exchanges[s.pendingGETKey] {
            ex.kind = .answer(
                HTTPAnswer(status: 200, contentType: HTTPExchanges.pollingContentType, body: SocketIOEncoder.noop))
            lws_callback_on_writable(g)
        }
        s.pendingGET = nil
        s.upgradeWSI = nil
        s.probed = false
        s.transport = .websocket(wsi)
        s.socketFD = lws_get_socket_fd(wsi)
        counters.pollingSessions.wrappingSubtract(1, ordering: .relaxed)
        counters.add(counters.upgrades)
        // the ping schedule and the unauthenticated deadline carry over
        let now = monotonicNanos()
        lws_set_timer_usecs(wsi, lws_usec_t(max(1_000, Int64(s.pingDue) - Int64(now)) / 1_000))
        if config.token != nil, !s.authenticated {
            let left = Double(max(1, config.unauthenticatedTimeout)) - Double(now - s.openedAt) / 1e9
            qf_lws_set_user_timeout(wsi, Int32(max(1, left.rounded(.up))))
        } else {
            qf_lws_set_user_timeout(wsi, 0)
        }
        if !s.queue.isEmpty || s.closeAfterFlush { host.requestWrite(s) }
    }

    private func receive(_ s: ClientSession, _ wsi: OpaquePointer, _ input: UnsafeMutableRawPointer?, _ len: Int)
        -> Int32
    {
        if s.killed { return -1 }
        if lws_frame_is_binary(wsi) != 0 {
            s.parser.rejectBinary()
        } else if let input, len > 0 {
            s.parser.feed(UnsafeRawBufferPointer(start: input, count: len))
        }
        let complete = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        guard complete || s.parser.hasFailed else { return 0 }
        let size = s.parser.pendingBytes
        switch s.parser.finish() {
        case .failure(let error):
            counters.add(counters.inboundErrors)
            var status = LWS_CLOSE_STATUS_POLICY_VIOLATION
            if case .tooLarge = error {
                counters.add(counters.oversizeMessages)
                status = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE
            }
            logger.debug("closing client after a bad message", metadata: ["sid": "\(s.sid)", "error": "\(error)"])
            lws_close_reason(wsi, status, nil, 0)
            return -1
        case .success(let packet):
            guard host.admitInbound(s, bytes: size) else {
                logger.info("disconnecting client over the inbound message rate", metadata: ["sid": "\(s.sid)"])
                host.kill(s)
                return -1
            }
            return host.handlePacket(s, packet) ? 0 : -1
        }
    }

    /// Sends what the client's queue holds: every queued message that fits in
    /// ``ConnectionIO/writeBatchBytes`` goes out framed back to back in one `send` (a client that fell behind
    /// catches up with one system call per turn instead of one per message); a lone message, or
    /// one larger than the batch, goes alone.
    func writeable(_ s: ClientSession, _ wsi: OpaquePointer) -> Int32 {
        if s.killed { return -1 }
        if s.queue.count >= 2, let batch = io.writeBatch(s) {
            // LWS_WRITE_HTTP on a WebSocket: sent as is (the messages are framed already)
            let n = lws_write(wsi, batch.start, batch.framedBytes, LWS_WRITE_HTTP)
            io.holdReadsWhileOutputBuffered(wsi)
            guard n >= 0 else { return -1 }
            counters.add(counters.messagesSent, UInt64(batch.messages))
            counters.add(counters.bytesSent, UInt64(batch.payloadBytes))
            counters.add(counters.batchedWrites)
            afterWrite(s)
            return 0
        }
        if let frame = s.queue.pop() {
            let ok = io.write(wsi, frame.bytes, LWS_WRITE_TEXT)
            io.holdReadsWhileOutputBuffered(wsi)
            guard ok else { return -1 }
            counters.add(counters.messagesSent)
            counters.add(counters.bytesSent, UInt64(frame.bytes.count))
            afterWrite(s)
            return 0
        }
        if s.closeAfterFlush {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nil, 0)
            return -1
        }
        return 0
    }

    /// Sends what routing queued for `s` straight to its socket, right after the routing, when
    /// libwebsockets holds none of its output (the caller checked `lws_partial_buffered`): the
    /// queued messages that fit in one batch, framed back to back, in one `send` – the write
    /// ``writeable(_:_:)`` makes, without `lws_write`'s pass over the connection's state (its
    /// role's write path read three cold fields of each of 1,000 connections per update: ~4.5 %
    /// of the network thread at 1,000 × 100). Whatever the kernel does not take goes to
    /// `lws_write` as is, which sends what it can and holds the rest like any partial write
    /// (reads are then held, as after every write). A send that fails closes the connection.
    func writeRouted(_ s: ClientSession, _ wsi: OpaquePointer) -> Int32 {
        if s.killed { return -1 }
        guard s.socketFD >= 0, let batch = io.writeBatch(s, minimum: 1) else { return writeable(s, wsi) }
        let sent = send(s.socketFD, batch.start, batch.framedBytes, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        if sent < batch.framedBytes {
            if sent < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR { return -1 }
            let done = max(0, sent)
            // LWS_WRITE_HTTP on a WebSocket: sent as is (the rest of frames already framed)
            let n = lws_write(wsi, batch.start + done, batch.framedBytes - done, LWS_WRITE_HTTP)
            io.holdReadsWhileOutputBuffered(wsi)
            guard n >= 0 else { return -1 }
        }
        counters.add(counters.messagesSent, UInt64(batch.messages))
        counters.add(counters.bytesSent, UInt64(batch.payloadBytes))
        if batch.messages >= 2 { counters.add(counters.batchedWrites) }
        afterWrite(s)
        return 0
    }

    private func afterWrite(_ s: ClientSession) {
        // hysteresis: a client only stops counting as slow once it has caught up by half
        if s.queue.count <= s.queue.limit / 2 { s.overLimitSince = nil }
        // ask again even when empty: a close-after-flush waits for lws to send what it buffered
        if !s.queue.isEmpty || s.closeAfterFlush { host.requestWrite(s) }
    }

}
