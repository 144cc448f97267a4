import Foundation

/// A small blocking WebSocket client for one DevTools endpoint (RFC 6455, text and binary
/// messages, fragments reassembled, pings answered), used by ``CDPCommandSession``: no `Origin`
/// header (Chrome needs no `--remote-allow-origins`), no TLS (Chrome's DevTools port is plain),
/// masked client frames. One thread reads (``receive(maxBytes:)``); ``send(text:)`` may be called
/// from any thread (writes are serialised by a lock).
///
/// `@unchecked Sendable` because it owns a C resource, the socket's file descriptor (closed in
/// `deinit` only), that the reader thread and callers of ``send(text:)`` share: `fd` is set once;
/// `pending` is the reader thread's (the only one that calls ``receive(maxBytes:)``); writes and
/// `closed` are under `writeLock` (a pthread mutex: ThreadSanitizer sees it).
final class DevToolsSocket: @unchecked Sendable {
    private let fd: Int32
    private let writeLock = NSLock()
    private var pending: [UInt8] = []  // reader thread only: bytes read past the handshake / a frame
    private var closed = false

    /// Connects to `ws://address:port/path` (numeric address) and completes the handshake within `timeout` s.
    init(address: String, port: Int, path: String, connectTimeout: Double, timeout: Double) throws(ChromeError) {
        fd = try HTTPGet.connect(address: address, port: port, timeout: connectTimeout)
        do throws(ChromeError) {
            try handshake(host: TargetDiscovery.hostHeader(address, port), path: path, timeout: timeout)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    deinit {
        close()
        Glibc.close(fd)  // only here: the reader thread may still be in recv() after close()
    }

    /// Shuts the socket down (a blocked ``receive(maxBytes:)`` returns nil); safe to call twice.
    func close() {
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !closed else { return }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func handshake(host: String, path: String, timeout: Double) throws(ChromeError) {
        var keyBytes = [UInt8](repeating: 0, count: 16)
        for i in keyBytes.indices { keyBytes[i] = UInt8.random(in: 0...255) }
        let key = Data(keyBytes).base64EncodedString()
        let request =
            "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try write(Array(request.utf8))
        let deadline = Date().addingTimeInterval(timeout)
        var data: [UInt8] = []
        while true {
            if let end = Self.headerEnd(data) {
                let head = String(decoding: data[..<end], as: UTF8.self)
                let status = head.split(separator: " ", maxSplits: 2).dropFirst().first.map(String.init) ?? "?"
                guard status == "101" else {
                    throw ChromeError(
                        code: .webSocket, cause: "DevTools WebSocket handshake for \(path) answered HTTP \(status)")
                }
                pending = Array(data[end...])
                return
            }
            guard try read(into: &data, until: deadline) else {
                throw ChromeError(
                    code: .webSocket, cause: "DevTools WebSocket handshake for \(path): no answer within \(timeout) s")
            }
        }
    }

    /// The next whole message (text or binary payload), or nil when the connection ended.
    /// Messages over `maxBytes` end the connection (an error).
    func receive(maxBytes: Int) throws(ChromeError) -> [UInt8]? {
        var message: [UInt8] = []
        while true {
            guard let frame = try nextFrame(maxBytes: maxBytes) else { return nil }
            switch frame.opcode {
            case 0x8: return nil  // close
            case 0x9: try sendFrame(opcode: 0xA, payload: frame.payload)  // ping → pong
            case 0xA: continue
            default:
                message.append(contentsOf: frame.payload)
                guard message.count <= maxBytes else {
                    throw ChromeError(code: .webSocket, cause: "a DevTools message is over \(maxBytes) bytes")
                }
                if frame.final { return message }
            }
        }
    }

    /// Sends one text message (any thread).
    func send(text: String) throws(ChromeError) {
        try sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    // MARK: frames

    private func nextFrame(maxBytes: Int) throws(ChromeError) -> (opcode: UInt8, final: Bool, payload: [UInt8])? {
        guard try fill(2) else { return nil }
        let b0 = pending[0], b1 = pending[1]
        var length = Int(b1 & 0x7F)
        var offset = 2
        if length == 126 {
            guard try fill(4) else { return nil }
            length = Int(pending[2]) << 8 | Int(pending[3])
            offset = 4
        } else if length == 127 {
            guard try fill(10) else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(pending[$1]) }
            offset = 10
        }
        guard length >= 0, length <= maxBytes else {
            throw ChromeError(code: .webSocket, cause: "a DevTools frame is over \(maxBytes) bytes")
        }
        let masked = b1 & 0x80 != 0
        let maskOffset = offset
        if masked { offset += 4 }
        guard try fill(offset + length) else { return nil }
        var payload = Array(pending[offset..<(offset + length)])
        if masked {
            for i in payload.indices { payload[i] ^= pending[maskOffset + i % 4] }
        }
        pending.removeFirst(offset + length)
        return (b0 & 0x0F, b0 & 0x80 != 0, payload)
    }

    /// Reads until `pending` holds `count` bytes; false at the end of the connection.
    private func fill(_ count: Int) throws(ChromeError) -> Bool {
        while pending.count < count {
            guard try read(into: &pending, until: nil) else { return false }
        }
        return true
    }

    /// One `recv` into `data`; false at the end of the connection (or the deadline).
    private func read(into data: inout [UInt8], until deadline: Date?) throws(ChromeError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let deadline {
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return false }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data.append(contentsOf: chunk[0..<n])
                return true
            }
            if n == 0 { return false }
            if errno == EINTR || errno == EAGAIN { continue }
            return false  // closed under us (close()) or reset
        }
    }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws(ChromeError) {
        var frame: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            frame.append(0x80 | UInt8(n))
        } else if n <= 0xFFFF {
            frame += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((n >> shift) & 0xFF)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame.reserveCapacity(frame.count + n)
        for (i, byte) in payload.enumerated() { frame.append(byte ^ mask[i % 4]) }
        try write(frame)
    }

    private func write(_ bytes: [UInt8]) throws(ChromeError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        guard !closed else { throw ChromeError(code: .webSocket, cause: "the DevTools connection is closed") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw ChromeError(code: .webSocket, cause: "DevTools send: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }

    private static func headerEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        for i in 0...(d.count - 4) where d[i] == 13 && d[i + 1] == 10 && d[i + 2] == 13 && d[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}
