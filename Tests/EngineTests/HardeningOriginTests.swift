import Foundation
import Testing

@testable import SocketIOServer

// MARK: raw HTTP / WebSocket client (exact headers)

/// A blocking TCP connection to 127.0.0.1 with a receive timeout, for sending exact requests.
final class HardeningSocket {
    let fd: Int32
    var buffer: [UInt8] = []

    init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads more bytes; false on EOF, error or timeout.
    func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return false }
        buffer += chunk.prefix(n)
        return true
    }

    /// The HTTP response head (through the blank line); nil when the connection ended first.
    func readHead() -> String? {
        while true {
            if let r = findCRLFCRLF() {
                let head = String(decoding: buffer[..<r], as: UTF8.self)
                buffer.removeFirst(r + 4)
                return head
            }
            if !fill() { return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self) }
        }
    }

    private func findCRLFCRLF() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4)
        where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// Reads to EOF (or timeout); true when the peer closed.
    func readToEnd() -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
            buffer += chunk.prefix(n)
        }
    }

    /// Sends a WebSocket upgrade to the Socket.IO endpoint with exactly these extra headers.
    func upgrade(host: String?, origin: String?, extra: [String] = []) -> String? {
        var lines = ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1"]
        if let host { lines.append("Host: \(host)") }
        lines += [
            "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
        if let origin { lines.append("Origin: \(origin)") }
        lines += extra
        send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        return readHead()
    }

    /// A plain GET; returns the head and body (the server closes or sends Content-Length).
    func get(_ path: String, host: String?, origin: String? = nil, extra: [String] = []) -> (head: String, status: Int)
    {
        var lines = ["GET \(path) HTTP/1.1"]
        if let host { lines.append("Host: \(host)") }
        if let origin { lines.append("Origin: \(origin)") }
        lines += extra + ["Connection: close"]
        send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        let head = readHead() ?? ""
        return (head, Self.status(head))
    }

    static func status(_ head: String) -> Int {
        let parts = head.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
    }

    /// Sends one masked WebSocket text frame.
    func sendText(_ text: String) {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        let mask: [UInt8] = [1, 2, 3, 4]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126); frame.append(UInt8(payload.count >> 8)); frame.append(UInt8(payload.count & 0xFF))
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        send(frame)
    }

    /// Reads one server frame: (opcode, payload text); nil on EOF or timeout.
    func readFrame() -> (opcode: UInt8, text: String)? {
        while true {
            if buffer.count >= 2 {
                let opcode = buffer[0] & 0x0F
                var len = Int(buffer[1] & 0x7F)
                var off = 2
                if len == 126 {
                    guard buffer.count >= 4 else { if !fill() { return nil }; continue }
                    len = Int(buffer[2]) << 8 | Int(buffer[3]); off = 4
                } else if len == 127 {
                    guard buffer.count >= 10 else { if !fill() { return nil }; continue }
                    len = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }; off = 10
                }
                if buffer.count >= off + len {
                    let text = String(decoding: buffer[off..<(off + len)], as: UTF8.self)
                    buffer.removeFirst(off + len)
                    return (opcode, text)
                }
            }
            if !fill() { return nil }
        }
    }

    /// Reads frames until one starts with `prefix` (nil: EOF/timeout first).
    func readUntil(_ prefix: String) -> String? {
        while let f = readFrame() {
            if f.opcode == 8 { return nil }
            if f.text.hasPrefix(prefix) { return f.text }
        }
        return nil
    }
}

/// A `/metrics` value of a test server.
func hardeningMetric(_ port: Int, _ name: String, extra: [String] = []) throws -> Int {
    let s = try HardeningSocket(port: port)
    _ = s.get("/metrics", host: "127.0.0.1:\(port)", extra: extra)
    _ = s.readToEnd()
    let text = String(decoding: s.buffer, as: UTF8.self)
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return Int(line?.split(separator: " ").last ?? "") ?? -1
}

// MARK: Origin and Host (issue 15, defect 3)

@Suite("Hardening: Origin and Host", .serialized)
struct HardeningOriginTests {
    @Test("the access policy: loopback and listed origins pass, others and odd forms do not")
    func policy() {
        let p = AccessPolicy(
            bindAddress: "127.0.0.1", allowedOrigins: ["https://app.example:8443/"], allowedHosts: ["qflux.lan"])
        for ok in [
            "http://127.0.0.1:5000", "http://localhost:5000", "https://localhost", "http://[::1]:8080",
            "HTTP://LOCALHOST:5000", "https://app.example:8443",
        ] {
            #expect(p.allowsOrigin(ok, host: "127.0.0.1:3001"), "\(ok)")
        }
        #expect(p.allowsOrigin(nil, host: nil))
        for bad in [
            "http://evil.example", "null", "http://localhost.evil.example", "http://127.0.0.1.evil.example",
            "file://", "http://user@localhost:5000", "https://app.example", "ws://localhost", "",
        ] {
            #expect(!p.allowsOrigin(bad, host: "127.0.0.1:3001"), "\(bad)")
        }
        // the page's own origin, when its Host is accepted
        #expect(p.allowsOrigin("http://qflux.lan:3001", host: "qflux.lan:3001"))
        #expect(!p.allowsOrigin("http://evil.example:3001", host: "evil.example:3001"))

        for ok in ["127.0.0.1:3001", "localhost", "LOCALHOST:1", "[::1]:3001", "qflux.lan:3001"] {
            #expect(p.allowsHost(ok), "\(ok)")
        }
        #expect(p.allowsHost(nil))
        for bad in ["evil.example", "evil.example:3001", "192.168.1.5:3001", "", "localhost.evil.example"] {
            #expect(!p.allowsHost(bad), "\(bad)")
        }
        let any = AccessPolicy(bindAddress: "0.0.0.0", allowedOrigins: [], allowedHosts: [])
        #expect(any.allowsHost("192.168.1.5:3001"))
        #expect(!any.allowsHost("rebind.evil.example:3001"))
        let bound = AccessPolicy(bindAddress: "10.1.2.3", allowedOrigins: [], allowedHosts: [])
        #expect(bound.allowsHost("10.1.2.3:3001"))
        #expect(!bound.allowsHost("10.1.2.4:3001"))
    }

    @Test(
        "a WebSocket upgrade from a foreign page gets 403; loopback, listed and Origin-less clients connect; refusals counted"
    )
    func upgradeOrigin() throws {
        let (server, _) = try makeTestServer { $0.allowedOrigins = ["https://app.example"] }
        defer { server.stop() }
        let port = server.boundPort
        let host = "127.0.0.1:\(port)"
        func upgrade(_ origin: String?, host: String? = host) throws -> Int {
            let s = try HardeningSocket(port: port)
            return HardeningSocket.status(s.upgrade(host: host, origin: origin) ?? "")
        }
        #expect(try upgrade("http://evil.example") == 403)
        #expect(try upgrade("http://evil.example:3001") == 403)
        #expect(try upgrade("null") == 403)
        #expect(try upgrade("http://localhost:5000") == 101)
        #expect(try upgrade("http://127.0.0.1:\(port)") == 101)
        #expect(try upgrade("https://app.example") == 101)
        #expect(try upgrade(nil) == 101)
        #expect(try upgrade(nil, host: "rebind.evil.example:\(port)") == 403)
        #expect(
            waitUntil(10) {
                ((try? hardeningMetric(port, "qflux_server_refused_origin_total")) ?? -1) >= 3
                    && ((try? hardeningMetric(port, "qflux_server_refused_host_total")) ?? -1) >= 1
            }, "the refusals were not counted")
        #expect(try hardeningMetric(port, "qflux_server_refused_origin_total") == 3)
        #expect(try hardeningMetric(port, "qflux_server_refused_host_total") == 1)
    }

    @Test("HTTP endpoints refuse a Host that does not name the server (DNS rebinding) and foreign origins with 403")
    func httpHost() throws {
        let (server, _) = try makeTestServer { $0.allowedHosts = ["qflux.lan"] }
        defer { server.stop() }
        let port = server.boundPort
        func get(_ path: String, host: String?, origin: String? = nil) throws -> Int {
            let s = try HardeningSocket(port: port)
            return s.get(path, host: host, origin: origin).status
        }
        #expect(try get("/health", host: "rebind.evil.example:\(port)") == 403)
        #expect(try get("/metrics", host: "rebind.evil.example") == 403)
        #expect(try get("/", host: "evil.example:\(port)") == 403)
        #expect(try get("/health", host: "127.0.0.1:\(port)", origin: "http://evil.example") == 403)
        #expect(try get("/health", host: "127.0.0.1:\(port)") == 200)
        #expect(try get("/health", host: "localhost:\(port)") == 200)
        #expect(try get("/metrics", host: "[::1]:\(port)") == 200)
        #expect(try get("/health", host: "qflux.lan:\(port)") == 200)
        #expect(try get("/health", host: "localhost:\(port)", origin: "http://localhost:5000") == 200)
        #expect(try hardeningMetric(port, "qflux_server_refused_host_total") == 3)
        #expect(try hardeningMetric(port, "qflux_server_refused_origin_total") == 1)
    }
}

// MARK: 41, 503 at the limit, the bind warning (issue 15, defect 9)

@Suite("Hardening: disconnects and refusals", .serialized)
struct HardeningRefusalTests {
    @Test("a client's 41 closes its socket right away, not at the next ping")
    func namespaceDisconnect() throws {
        let (server, _) = try makeTestServer {
            $0.pingInterval = 60; $0.pingTimeout = 60
        }
        defer { server.stop() }
        let s = try HardeningSocket(port: server.boundPort, timeout: 3)
        #expect(HardeningSocket.status(s.upgrade(host: "127.0.0.1", origin: nil) ?? "") == 101)
        #expect(s.readUntil("0{") != nil)
        s.sendText("40")
        #expect(s.readUntil("40{") != nil)
        let start = Date()
        s.sendText("41")
        // The server closes: a close frame or EOF, well before a ping (60 s) or this read's 3 s timeout.
        var closed = false
        while let f = s.readFrame() {
            if f.opcode == 8 { closed = true; break }
        }
        if !closed { closed = s.readToEnd() || s.buffer.isEmpty }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2, "closed after \(elapsed) s")
    }

    @Test("a client refused at the client limit gets an HTTP 503, counted")
    func refusedAtLimit() throws {
        let (server, _) = try makeTestServer { $0.maxClients = 2 }
        defer { server.stop() }
        let port = server.boundPort
        var held: [HardeningSocket] = []
        for _ in 0..<2 {
            let s = try HardeningSocket(port: port)
            #expect(HardeningSocket.status(s.upgrade(host: "127.0.0.1", origin: nil) ?? "") == 101)
            #expect(s.readUntil("0{") != nil)
            held.append(s)
        }
        let third = try HardeningSocket(port: port)
        let head = third.upgrade(host: "127.0.0.1", origin: nil) ?? ""
        #expect(HardeningSocket.status(head) == 503, "\(head)")
        #expect(try hardeningMetric(port, "qflux_server_refused_max_clients_total") == 1)
        withExtendedLifetime(held) {}
    }

    @Test("listening beyond loopback without a token gives one warning line")
    func bindWarning() {
        #expect(AccessPolicy.exposureWarning(bind: "127.0.0.1", port: 3001, hasToken: false) == nil)
        #expect(AccessPolicy.exposureWarning(bind: "::1", port: 3001, hasToken: false) == nil)
        #expect(AccessPolicy.exposureWarning(bind: "0.0.0.0", port: 3001, hasToken: true) == nil)
        let w = AccessPolicy.exposureWarning(bind: "0.0.0.0", port: 3001, hasToken: false)
        #expect(w?.contains("warning") == true && w?.contains("0.0.0.0") == true && w?.contains("\n") == false)
        #expect(AccessPolicy.exposureWarning(bind: "192.168.1.5", port: 3001, hasToken: false) != nil)
    }
}
