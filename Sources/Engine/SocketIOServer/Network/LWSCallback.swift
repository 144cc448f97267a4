import CLibWebSockets
import Foundation
import LibWebSockets
import ThreadSupport
import Logging

/// The one libwebsockets protocol callback: finds the ``ServerCore`` through the context's user
/// pointer (its ``ThreadBound``) and dispatches. This is where the network thread enters the
/// core's thread-confined state: ``LWSContext/user(of:file:line:)`` checks that it runs on the
/// context's owner thread (release builds too), and the core follows the context
/// (``contextOwnedCore(_:)``). The core is read out of its box, not borrowed `inout` for the call: libwebsockets may
/// call back into this function from inside an lws call the core makes. All raw-pointer work of
/// the server is in this folder:
///
/// - `LWSCallback.swift`: dispatch, connection-level helpers (writes, kills, headers);
/// - `WebSocketTransport.swift`: WebSocket sessions and the upgrade of long-polling ones;
/// - `PollingTransport.swift`: Engine.IO long-polling (`GET`/`POST /socket.io/`);
/// - `HTTPExchange.swift`: every other HTTP request, asynchronous answers, chunked CSV streams;
/// - `SessionTimers.swift`: pings, deadlines and the ticker of long-polling sessions;
/// - `HeaderGuard.swift`: the per-address limit on connections slow to send their request.
let serverCallback: LWSCallback = { wsi, reason, user, input, len in
    guard let wsi, let raw = LWSContext.user(of: wsi) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    return contextOwnedCore(raw).callback(wsi, reason, user, input, len)
}

/// The core behind a context's user pointer, for a protocol callback that
/// ``LWSContext/user(of:file:line:)`` has just checked to run on the context's owner thread. The
/// core follows its context's ownership: the service thread once it runs, the thread that stopped
/// the server once `LWSContext.stop()` joined the service thread (and destroys the context, whose
/// last callbacks run there). Every other entry (the ticker, the service turn) checks strictly.
func contextOwnedCore(_ raw: UnsafeMutableRawPointer) -> ServerCore {
    let bound = Unmanaged<ThreadBound<ServerCore>>.fromOpaque(raw).takeUnretainedValue()
    if !bound.isOwnedByCurrentThread { bound.claim() }
    return bound.value
}

let lwsPre = Int(qf_lws_pre())

extension ServerCore {
    func callback(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                  _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainHTTP()
            drain()
            return 0

        // connections
        case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
            // `wsi` is the listening socket here; `input` carries the accepted descriptor
            admitConnection(fd: Int32(truncatingIfNeeded: Int(bitPattern: input)))
            return 0
        case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
            trackHeaders(wsi)
            return 0
        case LWS_CALLBACK_WSI_DESTROY:
            limits.headerGuard.done(wsi)
            if !sessions.readsHeld.isEmpty { sessions.readsHeld.remove(wsi) }
            sessions.pendingUpgrades[wsi] = nil
            if let ex = exchange(wsi, user) { exchangeGone(ex) }
            return 0

        // WebSocket
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            limits.headerGuard.done(wsi)
            return confirmUpgrade(wsi)
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return acceptUpgrade(wsi) ? 0 : 1
        case LWS_CALLBACK_ESTABLISHED:
            return established(wsi, user)
        case LWS_CALLBACK_RECEIVE:
            return webSocketReceive(wsi, user, input, len)
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return webSocketWriteable(wsi, user)
        case LWS_CALLBACK_TIMER:
            if let s = session(user), s.wsi == wsi { pingTimerFired(s) }
            return 0
        case LWS_CALLBACK_CLOSED:
            webSocketClosed(wsi, user)
            return 0

        // HTTP
        case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
            // a POST is still arriving until its body is complete
            if qf_lws_method(wsi) != Int32(QF_LWS_METHOD_POST) { limits.headerGuard.done(wsi) }
            return 0
        case LWS_CALLBACK_HTTP:
            return http(wsi, user, input, len)
        case LWS_CALLBACK_HTTP_BODY:
            return httpBody(wsi, user, input, len)
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            limits.headerGuard.done(wsi)
            return httpBodyComplete(wsi, user)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return httpWriteable(wsi, user)
        case LWS_CALLBACK_CLOSED_HTTP:
            if let ex = exchange(wsi, user) { exchangeGone(ex) }
            return 0
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, len)
        }
    }

    /// The session whose id is in a WebSocket's per-session data.
    func session(_ user: UnsafeMutableRawPointer?) -> ClientSession? {
        guard let user else { return nil }
        return sessions[user.load(as: UInt64.self)]
    }

    /// Asks for a write on the session's transport: its WebSocket, or its held `GET`. A
    /// long-polling session without a held `GET` keeps its messages until the next one; one that
    /// is to close and has nothing left to deliver (or the server is stopping) closes now.
    func requestWrite(_ s: ClientSession) {
        switch s.transport {
        case .websocket(let w):
            lws_callback_on_writable(w)
        case .polling:
            if let g = s.pendingGET {
                lws_callback_on_writable(g)
            } else if s.closeAfterFlush, s.queue.isEmpty || closingAll {
                closePolling(s)
            }
        }
    }

    /// Closes a client from outside its own callbacks, abortively: linger 0 makes the close a
    /// reset that discards what the kernel still holds for it (a client that does not read would
    /// otherwise keep megabytes queued and a graceful close pending). libwebsockets frees the
    /// connection on its next turn. A long-polling session is forgotten at once (its held `GET`
    /// and upgrading WebSocket, if any, are cut the same way).
    func kill(_ s: ClientSession) {
        guard !s.killed else { return }
        switch s.transport {
        case .websocket(let w):
            s.killed = true
            abort(w)
        case .polling:
            if let g = s.pendingGET {
                exchanges[s.pendingGETKey] = nil
                s.pendingGET = nil
                abort(g)
            }
            if let u = s.upgradeWSI {
                s.upgradeWSI = nil
                abort(u)
            }
            closeSession(s)
        }
    }

    /// Resets a connection (linger 0) and has libwebsockets free it on its next turn. The
    /// connection is not read again (rx flow control): libwebsockets 4.1 closes a connection it
    /// still holds output for only once that output is sent, and when it reads EOF from such a
    /// connection its service loop retries the socket forever without polling (the frozen-client
    /// wedge, issue 28). Unread, the connection is freed by the kill timeout, which libwebsockets
    /// treats as a violent death (no flush); `shutdown` also makes a pending send fail and the
    /// socket report a hang-up, either of which ends it at once.
    func abort(_ wsi: OpaquePointer) {
        lws_rx_flow_control(wsi, 0)
        let fd = lws_get_socket_fd(wsi)
        if fd >= 0 {
            var off = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, socklen_t(MemoryLayout<linger>.size))
            shutdown(fd, Int32(SHUT_RDWR))
        }
        qf_lws_kill_async(wsi)
    }

    /// Called after every WebSocket write. When the kernel did not take all of it, libwebsockets
    /// keeps the rest and sends it on later POLLOUTs; until then the connection is not read.
    /// libwebsockets 4.1 cannot close a connection whose output it still holds: reading EOF or a
    /// reset from such a peer (a client killed, or a laptop that slept while its buffers were
    /// full) makes its service loop retry that socket forever without polling – no timer, no
    /// other client, no SIGTERM is served again (issue 28). Unread, a dead peer shows as a
    /// hang-up, which libwebsockets closes without flushing. A client that takes nothing more
    /// for ``StreamServerConfig/slowClientGrace`` is cut as a slow client (its connection's
    /// timeout, a violent close). Reading resumes when the output has drained
    /// (``resumeReadsIfDrained(_:_:)``, from the writeable callback). HTTP answers are not held:
    /// libwebsockets reads nothing from an HTTP connection while it answers, and a flow-controlled
    /// HTTP connection would not be written either.
    func holdReadsWhileOutputBuffered(_ wsi: OpaquePointer) {
        guard lws_partial_buffered(wsi) != 0, !sessions.readsHeld.contains(wsi) else { return }
        sessions.readsHeld.insert(wsi)
        counters.add(counters.readsHeld)
        lws_rx_flow_control(wsi, 0)
        qf_lws_set_user_timeout(wsi, Int32(max(1, config.slowClientGrace.rounded(.up))))
    }

    /// Reads a connection again once libwebsockets has sent everything it held for it, and
    /// gives it back its own deadline (an unauthenticated client's, else none).
    func resumeReadsIfDrained(_ wsi: OpaquePointer, _ s: ClientSession?) {
        guard !sessions.readsHeld.isEmpty, lws_partial_buffered(wsi) == 0, sessions.readsHeld.remove(wsi) != nil else { return }
        lws_rx_flow_control(wsi, 1)
        if let s, config.token != nil, !s.authenticated {
            let left = Double(max(1, config.unauthenticatedTimeout)) - Double(monotonicNanos() &- s.openedAt) / 1e9
            qf_lws_set_user_timeout(wsi, Int32(max(1, left.rounded(.up))))
        } else {
            qf_lws_set_user_timeout(wsi, 0)
        }
    }

    /// A request header, nil when absent; "" (never accepted) when too long to be sane.
    func header(_ wsi: OpaquePointer, _ token: Int32) -> String? {
        var buf = [CChar](repeating: 0, count: 512)
        let n = qf_lws_header(wsi, token, &buf, Int32(buf.count))
        if n == -1 { return nil }
        if n < 0 { return "" }
        return String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A query argument (`name` with its `=`), URL-decoded by libwebsockets; nil when absent.
    func queryArg(_ wsi: OpaquePointer, _ name: String) -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        let n = qf_lws_query_arg(wsi, name, &buf, Int32(buf.count))
        guard n >= 0 else { return nil }
        return String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Origin and Host check of a request (HTTP or upgrade); the refusal text, or nil to go on.
    func refusal(_ wsi: OpaquePointer) -> String? {
        let host = header(wsi, qf_lws_token_host())
        if !accessPolicy.allowsHost(host) {
            counters.add(counters.refusedHost)
            logger.debug("refused Host", metadata: ["host": "\(host ?? "")"])
            return "Forbidden: Host not accepted (see qflux stream --allow-host)"
        }
        let origin = header(wsi, qf_lws_token_origin())
        if !accessPolicy.allowsOrigin(origin, host: host) {
            counters.add(counters.refusedOrigin)
            logger.debug("refused Origin", metadata: ["origin": "\(origin ?? "")"])
            return "Forbidden: Origin not accepted (see qflux stream --allow-origin)"
        }
        return nil
    }

    /// Copies `bytes` behind LWS_PRE spare bytes and writes them.
    func write(_ wsi: OpaquePointer, _ bytes: [UInt8], _ kind: lws_write_protocol) -> Bool {
        guard let buffer = writeScratch(before: lwsPre, count: bytes.count, after: 0) else { return false }
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { (buffer + lwsPre).copyMemory(from: base, byteCount: src.count) }
        }
        let n = lws_write(wsi, (buffer + lwsPre).assumingMemoryBound(to: UInt8.self), bytes.count, kind)
        return n >= 0
    }

    /// The reused write buffer, grown to hold `before + count + after` bytes.
    func writeScratch(before: Int, count: Int, after: Int) -> UnsafeMutableRawPointer? {
        let needed = before + max(count, 1) + after
        if needed > writeCapacity {
            writeBuffer?.deallocate()
            writeCapacity = max(needed, 4096)
            writeBuffer = UnsafeMutableRawPointer.allocate(byteCount: writeCapacity, alignment: 16)
        }
        return writeBuffer
    }
}
