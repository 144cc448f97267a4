import CLibWebSockets
import Foundation
import Logging
import ThreadSupport

/// The lws calls on connections that the transports and HTTP share (network thread, owned by
/// ``ServerCore``; part of sessions and transports): the reused write buffer and the writes made
/// from it (a message, a batch of WebSocket frames, an HTTP chunk), request headers and query
/// arguments, the Host and Origin check, aborting a connection, holding a connection's reads while
/// libwebsockets holds output for it. No session logic: which connection to write, and when, is
/// the transports'.
final class ConnectionIO {
    let config: StreamServerConfig
    let counters: ServerCounters
    let logger: Logger
    /// Accepted origins and `Host` names.
    let accessPolicy: AccessPolicy
    /// The session table (its connections whose reads are held).
    let sessions: ServerSessions
    /// Reused write buffer (LWS_PRE spare bytes + the largest message so far).
    private var writeBuffer: UnsafeMutableRawPointer?
    private var writeCapacity = 0

    init(
        config: StreamServerConfig, counters: ServerCounters, logger: Logger, accessPolicy: AccessPolicy,
        sessions: ServerSessions
    ) {
        self.config = config
        self.counters = counters
        self.logger = logger
        self.accessPolicy = accessPolicy
        self.sessions = sessions
    }

    deinit { writeBuffer?.deallocate() }

    // MARK: writes

    /// Bytes one writeable turn sends at most when it batches queued messages: within the
    /// protocol's receive buffer size, which is also what libwebsockets sends per call.
    static let writeBatchBytes = 16 * 1024

    /// Copies `bytes` behind LWS_PRE spare bytes and writes them.
    func write(_ wsi: OpaquePointer, _ bytes: [UInt8], _ kind: lws_write_protocol) -> Bool {
        guard let buffer = writeScratch(before: lwsPre, count: bytes.count, after: 0) else { return false }
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { (buffer + lwsPre).copyMemory(from: base, byteCount: src.count) }
        }
        let n = lws_write(wsi, (buffer + lwsPre).assumingMemoryBound(to: UInt8.self), bytes.count, kind)
        return n >= 0
    }

    /// Pops the queued messages that fit in one batch and frames them (RFC 6455 server frames:
    /// FIN + text, unmasked) back to back in the write buffer. Nil when fewer than `minimum`
    /// fit (by default two: a lone message then goes alone, through `lws_write`). The framed
    /// bytes start after LWS_PRE spare bytes of the write buffer.
    func writeBatch(_ s: ClientSession, minimum: Int = 2)
        -> (messages: Int, payloadBytes: Int, framedBytes: Int, start: UnsafeMutablePointer<UInt8>)?
    {
        var total = 0, payload = 0, frames = 0
        for size in s.queue.frontSizes(max: 64) {
            let framed = size + (size < 126 ? 2 : 4)
            guard size < 65536, total + framed <= Self.writeBatchBytes else { break }
            total += framed
            payload += size
            frames += 1
        }
        guard frames >= max(1, minimum), let buffer = writeScratch(before: lwsPre, count: total, after: 0) else {
            return nil
        }
        let start = (buffer + lwsPre).assumingMemoryBound(to: UInt8.self)
        var p = start
        for _ in 0..<frames {
            guard let frame = s.queue.pop() else { break }
            let n = frame.bytes.count
            p[0] = 0x81
            if n < 126 {
                p[1] = UInt8(n)
                p += 2
            } else {
                p[1] = 126
                p[2] = UInt8(n >> 8)
                p[3] = UInt8(n & 0xFF)
                p += 4
            }
            frame.bytes.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { p.update(from: base, count: n) }
            }
            p += n
        }
        return (frames, payload, total, start)
    }

    /// Writes one chunk of a chunked body (and the terminating chunk when `last`).
    func writeChunk(_ wsi: OpaquePointer, _ bytes: [UInt8], last: Bool) -> Bool {
        let before = lwsPre + Int(QF_LWS_CHUNK_HEAD_MAX)
        guard let buffer = writeScratch(before: before, count: bytes.count, after: 8) else { return false }
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { (buffer + before).copyMemory(from: base, byteCount: src.count) }
        }
        let n = qf_lws_write_chunk(
            wsi, (buffer + before).assumingMemoryBound(to: UInt8.self), bytes.count, last ? 1 : 0)
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

    // MARK: HTTP transactions

    /// Holds the exchange's request while its answer waits (a poll, an asynchronous answer, a
    /// stream): its header buffer goes back to the pool. libwebsockets reads nothing from a
    /// connection whose transaction is under way – a client that closes or sends more meanwhile
    /// would keep its poll loop awake – so ``HTTPRoutes/checkParkedConnections()`` watches these.
    func park(_ ex: HTTPExchange) {
        _ = lws_http_headers_detach(ex.wsi)
    }

    /// Ends the exchange's HTTP transaction (keep-alive: the connection reads the next request).
    func completeTransaction(_ ex: HTTPExchange) -> Int32 {
        lws_http_transaction_completed(ex.wsi) != 0 ? -1 : 0
    }

    // MARK: connections

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

    /// The peer address of a socket (IPv4-mapped addresses as IPv4), nil when unknown.
    func peerAddress(_ fd: Int32) -> String? {
        guard fd >= 0 else { return nil }
        var buf = [CChar](repeating: 0, count: 64)
        let n = qf_lws_peer_address(fd, &buf, Int32(buf.count))
        guard n > 0 else { return nil }
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

    /// True when the peer of a connection has closed it (or reset it): what a paused connection
    /// cannot notice by itself.
    func peerClosed(_ wsi: OpaquePointer) -> Bool {
        let fd = lws_get_socket_fd(wsi)
        guard fd >= 0 else { return true }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return true }
        return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
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
        guard !sessions.readsHeld.isEmpty, lws_partial_buffered(wsi) == 0, sessions.readsHeld.remove(wsi) != nil else {
            return
        }
        lws_rx_flow_control(wsi, 1)
        if let s, config.token != nil, !s.authenticated {
            let left = Double(max(1, config.unauthenticatedTimeout)) - Double(monotonicNanos() &- s.openedAt) / 1e9
            qf_lws_set_user_timeout(wsi, Int32(max(1, left.rounded(.up))))
        } else {
            qf_lws_set_user_timeout(wsi, 0)
        }
    }
}
