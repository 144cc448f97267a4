import CSupport
import Foundation
import LibWebSockets

/// The one libwebsockets protocol callback: finds the ``ServerCore`` through the context's user
/// pointer and dispatches. This is where the network thread enters the core's thread-confined
/// state: ``LWSContext/user(of:file:line:)`` checks (debug builds) that it runs on the context's
/// owner thread. All raw-pointer work of the server is in this folder.
let serverCallback: LWSCallback = { wsi, reason, user, input, len in
    guard let wsi, let raw = LWSContext.user(of: wsi) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    let core = Unmanaged<ServerCore>.fromOpaque(raw).takeUnretainedValue()
    return core.callback(wsi, reason, user, input, len)
}

private let lwsPre = qf_lws_pre()

extension ServerCore {
    func callback(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                  _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drain()
            return 0
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            return confirmUpgrade(wsi)
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return acceptUpgrade(wsi) ? 0 : 1
        case LWS_CALLBACK_ESTABLISHED:
            guard let user else { return -1 }
            let s = openSession(wsi: wsi)
            user.storeBytes(of: s.id, as: UInt64.self)
            armPingTimer(s, seconds: config.pingInterval)
            return 0
        case LWS_CALLBACK_RECEIVE:
            guard let s = session(user) else { return -1 }
            return receive(s, input, len)
        case LWS_CALLBACK_SERVER_WRITEABLE:
            guard let s = session(user) else { return -1 }
            return writeable(s)
        case LWS_CALLBACK_TIMER:
            guard let s = session(user) else { return 0 }
            if s.awaitingPong {
                counters.add(counters.pingTimeouts)
                kill(s)
            } else {
                enqueue(s, SocketIOEncoder.ping, force: true)
                s.awaitingPong = true
                armPingTimer(s, seconds: config.pingTimeout)
            }
            return 0
        case LWS_CALLBACK_CLOSED:
            if let s = session(user) { closeSession(s) }
            user?.storeBytes(of: 0, as: UInt64.self)
            return 0
        case LWS_CALLBACK_HTTP:
            return http(wsi, user, input)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return httpWriteable(wsi, user)
        case LWS_CALLBACK_CLOSED_HTTP:
            if let user {
                httpResponses[user.load(as: UInt64.self)] = nil
            }
            return 0
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, len)
        }
    }

    private func session(_ user: UnsafeMutableRawPointer?) -> ClientSession? {
        guard let user else { return nil }
        return sessions[user.load(as: UInt64.self)]
    }

    func requestWrite(_ s: ClientSession) {
        lws_callback_on_writable(s.wsi)
    }

    /// Closes a client from outside its own callbacks, abortively: linger 0 makes the close a
    /// reset that discards what the kernel still holds for it (a client that does not read would
    /// otherwise keep megabytes queued and a graceful close pending). libwebsockets frees the
    /// connection on its next turn.
    func kill(_ s: ClientSession) {
        guard !s.killed else { return }
        s.killed = true
        let fd = lws_get_socket_fd(s.wsi)
        if fd >= 0 {
            var off = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, socklen_t(MemoryLayout<linger>.size))
            shutdown(fd, Int32(SHUT_RD))
        }
        lws_set_timeout(s.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC)
    }

    func armPingTimer(_ s: ClientSession, seconds: Double) {
        lws_set_timer_usecs(s.wsi, lws_usec_t(seconds * 1_000_000))
    }

    /// A request header, nil when absent; "" (never accepted) when too long to be sane.
    private func header(_ wsi: OpaquePointer, _ token: Int32) -> String? {
        var buf = [CChar](repeating: 0, count: 512)
        let n = qf_lws_header(wsi, token, &buf, Int32(buf.count))
        if n == -1 { return nil }
        if n < 0 { return "" }
        return String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Origin and Host check of a request (HTTP or upgrade); the refusal text, or nil to go on.
    private func refusal(_ wsi: OpaquePointer) -> String? {
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

    /// Before the WebSocket handshake is answered: 403 for a foreign Origin or Host, 503 at the
    /// client limit (or too many unauthenticated clients), instead of a dropped connection.
    private func confirmUpgrade(_ wsi: OpaquePointer) -> Int32 {
        if let why = refusal(wsi) {
            _ = qf_lws_refuse(wsi, 403, why)
            return 1
        }
        if sessions.count >= config.maxClients || closingAll {
            counters.add(counters.refusedMaxClients)
            _ = qf_lws_refuse(wsi, 503, "Service Unavailable: client limit reached")
            return 1
        }
        if config.token != nil,
           sessions.values.lazy.filter({ !$0.authenticated }).count >= config.maxUnauthenticated {
            counters.add(counters.refusedUnauthenticated)
            _ = qf_lws_refuse(wsi, 503, "Service Unavailable: too many unauthenticated clients")
            return 1
        }
        return 0
    }

    /// `--protect-http`: the token as `Authorization: Bearer …` or `?token=`.
    private func httpAuthorized(_ wsi: OpaquePointer) -> Bool {
        guard config.protectHTTP, let token = config.token else { return true }
        if let auth = header(wsi, qf_lws_token_authorization()), auth.hasPrefix("Bearer ") {
            return AccessPolicy.tokensEqual(String(auth.dropFirst(7)), token)
        }
        var buf = [CChar](repeating: 0, count: 512)
        let n = qf_lws_query_arg(wsi, "token=", &buf, Int32(buf.count))
        guard n >= 0 else { return false }
        return AccessPolicy.tokensEqual(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self), token)
    }

    private func acceptUpgrade(_ wsi: OpaquePointer) -> Bool {
        var buf = [CChar](repeating: 0, count: 256)
        func text(_ n: Int32) -> String? {
            n < 0 ? nil : String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let path = text(qf_lws_request_path(wsi, &buf, Int32(buf.count))) ?? ""
        guard path == "/socket.io/" || path == "/socket.io" else { return false }
        if let eio = text(qf_lws_query_arg(wsi, "EIO=", &buf, Int32(buf.count))), eio != "4" { return false }
        if let transport = text(qf_lws_query_arg(wsi, "transport=", &buf, Int32(buf.count))), transport != "websocket" {
            return false
        }
        if sessions.count >= config.maxClients || closingAll {
            counters.add(counters.refusedMaxClients)
            return false
        }
        return true
    }

    private func receive(_ s: ClientSession, _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        if s.killed { return -1 }
        if lws_frame_is_binary(s.wsi) != 0 {
            s.parser.rejectBinary()
        } else if let input, len > 0 {
            s.parser.feed(UnsafeRawBufferPointer(start: input, count: len))
        }
        let complete = lws_is_final_fragment(s.wsi) != 0 && lws_remaining_packet_payload(s.wsi) == 0
        guard complete || s.parser.hasFailed else { return 0 }
        switch s.parser.finish() {
        case .failure(let error):
            counters.add(counters.inboundErrors)
            var status = LWS_CLOSE_STATUS_POLICY_VIOLATION
            if case .tooLarge = error {
                counters.add(counters.oversizeMessages)
                status = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE
            }
            logger.debug("closing client after a bad message", metadata: ["sid": "\(s.sid)", "error": "\(error)"])
            lws_close_reason(s.wsi, status, nil, 0)
            return -1
        case .success(let packet):
            return handlePacket(s, packet) ? 0 : -1
        }
    }

    private func writeable(_ s: ClientSession) -> Int32 {
        if s.killed { return -1 }
        if let frame = s.queue.pop() {
            guard write(s.wsi, frame.bytes, LWS_WRITE_TEXT) else { return -1 }
            counters.add(counters.messagesSent)
            counters.add(counters.bytesSent, UInt64(frame.bytes.count))
            // hysteresis: a client only stops counting as slow once it has caught up by half
            if s.queue.count <= s.queue.limit / 2 { s.overLimitSince = nil }
            // ask again even when empty: a close-after-flush waits for lws to send what it buffered
            if !s.queue.isEmpty || s.closeAfterFlush { requestWrite(s) }
            return 0
        }
        if s.closeAfterFlush {
            lws_close_reason(s.wsi, LWS_CLOSE_STATUS_NORMAL, nil, 0)
            return -1
        }
        return 0
    }

    private func http(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?, _ input: UnsafeMutableRawPointer?) -> Int32 {
        guard let user else { return -1 }
        var path = "/"
        if let input {
            let c = input.assumingMemoryBound(to: UInt8.self)
            path = String(decoding: UnsafeBufferPointer(start: c, count: strlen(input.assumingMemoryBound(to: CChar.self))), as: UTF8.self)
        }
        var key = user.load(as: UInt64.self)
        if key == 0 {
            key = nextSessionID
            nextSessionID += 1
            user.storeBytes(of: key, as: UInt64.self)
        }
        var answer: HTTPAnswer
        if let why = refusal(wsi) {
            answer = HTTPAnswer(status: 403, contentType: "application/json", body: Array("{\"error\":\"\(why)\"}".utf8))
        } else if (path == "/health" || path == "/metrics"), !httpAuthorized(wsi) {
            counters.add(counters.httpAuthFailures)
            answer = HTTPAnswer(status: 401, contentType: "application/json", body: Array("{\"error\":\"unauthorized\"}".utf8))
        } else {
            answer = httpAnswer(path: path)
        }
        httpResponses[key] = answer.body
        if qf_lws_write_http_head(wsi, answer.status, answer.contentType, answer.body.count) != 0 { return 1 }
        lws_callback_on_writable(wsi)
        return 0
    }

    private func httpWriteable(_ wsi: OpaquePointer, _ user: UnsafeMutableRawPointer?) -> Int32 {
        guard let user, let body = httpResponses.removeValue(forKey: user.load(as: UInt64.self)) else { return 0 }
        guard write(wsi, body, LWS_WRITE_HTTP_FINAL) else { return -1 }
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0
    }

    /// Copies `bytes` behind LWS_PRE spare bytes and writes them.
    private func write(_ wsi: OpaquePointer, _ bytes: [UInt8], _ kind: lws_write_protocol) -> Bool {
        let needed = Int(lwsPre) + max(bytes.count, 1)
        if needed > writeCapacity {
            writeBuffer?.deallocate()
            writeCapacity = max(needed, 4096)
            writeBuffer = UnsafeMutableRawPointer.allocate(byteCount: writeCapacity, alignment: 16)
        }
        guard let buffer = writeBuffer else { return false }
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { (buffer + Int(lwsPre)).copyMemory(from: base, byteCount: src.count) }
        }
        let n = lws_write(wsi, (buffer + Int(lwsPre)).assumingMemoryBound(to: UInt8.self), bytes.count, kind)
        return n >= 0
    }
}
