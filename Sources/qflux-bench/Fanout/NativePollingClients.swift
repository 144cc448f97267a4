import CEpoll
import Foundation

/// Many Engine.IO long-polling clients in one `poll()` loop (raw HTTP/1.1 on keep-alive sockets,
/// one thread), the polling half of the mixed fan-out case: each client holds one `GET` at a
/// time on its own connection and `POST`s on a second one (`40`, `start_stream {asset}`, pongs),
/// and for every sampled `candle_update` records the delay since the wall-clock send time the
/// publisher put in `open`.
///
/// Threads: not `Sendable` – created, run and freed on one thread.
final class NativePollingClients {
    private final class Connection {
        var fd: Int32
        var out: [UInt8] = []
        var inbox: [UInt8] = []
        /// A request was sent and its answer has not arrived yet.
        var awaiting = false
        /// The server closed it (an idle keep-alive connection): reopened when next needed.
        var closed = false

        init(port: Int) throws { fd = try LoopbackSocket.connect(port: port, who: "polling clients") }
        deinit { close(fd) }

        func reopen(port: Int) throws {
            close(fd)
            fd = try LoopbackSocket.connect(port: port, who: "polling clients")
            out.removeAll()
            inbox.removeAll()
            awaiting = false
            closed = false
        }
    }

    private final class Client {
        let get: Connection
        let post: Connection
        var sid: String?
        var outgoing: [[UInt8]] = []
        var closed = false

        init(get: Connection, post: Connection) {
            self.get = get
            self.post = post
        }
    }

    private var clients: [Client] = []
    private let host: String
    private let port: Int
    private let startMessage: [UInt8]
    private var sampleEvery = 1

    /// Clients that completed the Socket.IO connect.
    private(set) var connected = 0
    /// `candle_update` messages received.
    private(set) var received = 0
    /// Sampled send → receive delays in milliseconds.
    private(set) var latenciesMs: [Double] = []
    /// Polling answers received (each a round trip).
    private(set) var polls = 0

    init(port: Int, clients count: Int, asset: String, sampleEvery: Int) throws {
        host = "127.0.0.1:\(port)"
        self.port = port
        self.sampleEvery = max(1, sampleEvery)
        startMessage = Array("42[\"start_stream\",{\"asset\":\"\(asset)\"}]".utf8)
        latenciesMs.reserveCapacity(1 << 18)
        for _ in 0..<count {
            let c = Client(get: try Connection(port: port), post: try Connection(port: port))
            clients.append(c)
            send(c.get, Array("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8))
        }
    }

    /// Services the connections until `deadline` (monotonic seconds from `now()`).
    func run(until deadline: Double) {
        var fds: [pollfd] = []
        var owners: [Connection] = []
        var owning: [Client] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while now() < deadline {
            for c in clients where !c.closed { startRequests(c) }
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            owning.removeAll(keepingCapacity: true)
            for c in clients where !c.closed {
                for conn in [c.get, c.post] where !conn.closed {
                    fds.append(
                        pollfd(fd: conn.fd, events: Int16(POLLIN) | (conn.out.isEmpty ? 0 : Int16(POLLOUT)), revents: 0)
                    )
                    owners.append(conn)
                    owning.append(c)
                }
            }
            guard !fds.isEmpty, poll(&fds, nfds_t(fds.count), 10) > 0 else { continue }
            for i in fds.indices where fds[i].revents != 0 {
                let conn = owners[i], client = owning[i]
                if fds[i].revents & Int16(POLLOUT) != 0 { flush(conn) }
                if fds[i].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    let n = buffer.withUnsafeMutableBytes { recv(conn.fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 {
                        if n == 0 || (errno != EAGAIN && errno != EINTR) {
                            // the held GET's connection never idles: its end ends the client
                            if conn === client.get { client.closed = true } else { conn.closed = true }
                        }
                        continue
                    }
                    conn.inbox.append(contentsOf: buffer[0..<n])
                    while let body = Self.takeResponse(conn) {
                        conn.awaiting = false
                        if conn === client.get { handlePoll(client, body) }
                    }
                }
            }
        }
    }

    /// Sends the next GET (one held at a time) and the queued packets as one POST.
    private func startRequests(_ c: Client) {
        guard let sid = c.sid else { return }
        if !c.get.awaiting {
            send(
                c.get,
                Array("GET /socket.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8))
        }
        if c.post.closed, !c.outgoing.isEmpty {
            do { try c.post.reopen(port: port) } catch { c.closed = true; return }
        }
        if !c.post.awaiting, !c.outgoing.isEmpty {
            var body: [UInt8] = []
            for (i, p) in c.outgoing.enumerated() {
                if i > 0 { body.append(0x1E) }
                body.append(contentsOf: p)
            }
            c.outgoing.removeAll(keepingCapacity: true)
            send(
                c.post,
                Array(
                    "POST /socket.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: \(body.count)\r\n\r\n"
                        .utf8) + body)
        }
    }

    private func send(_ conn: Connection, _ bytes: [UInt8]) {
        conn.awaiting = true
        conn.out.append(contentsOf: bytes)
        flush(conn)
    }

    private func flush(_ conn: Connection) {
        guard !conn.out.isEmpty else { return }
        let n = conn.out.withUnsafeBytes { Glibc.send(conn.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 { conn.out.removeFirst(n) }
    }

    /// The body of one complete response at the head of `conn.inbox` (removed from it), if any.
    private static func takeResponse(_ conn: Connection) -> ArraySlice<UInt8>? {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard
            let headEnd = conn.inbox.indices.dropLast(3).first(where: {
                conn.inbox[$0] == 13 && Array(conn.inbox[$0..<$0 + 4]) == crlf2
            })
        else { return nil }
        // (by lines of bytes: "\r\n" is one Character in a Swift String)
        var length = 0
        for line in conn.inbox[0..<headEnd].split(separator: 10) {
            let text = String(decoding: line, as: UTF8.self).lowercased()
            if text.hasPrefix("content-length:") {
                length = Int(text.dropFirst(15).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        let start = headEnd + 4
        guard conn.inbox.count >= start + length else { return nil }
        let body = conn.inbox[start..<start + length]
        let rest = Array(conn.inbox[(start + length)...])
        conn.inbox = rest
        return body
    }

    private static let candlePrefix = Array("42[\"candle_update\"".utf8)
    private static let openKey = Array("\"open\":".utf8)

    private func handlePoll(_ c: Client, _ body: ArraySlice<UInt8>) {
        polls += 1
        for packet in body.split(separator: 0x1E, omittingEmptySubsequences: true) {
            guard let first = packet.first else { continue }
            switch first {
            case UInt8(ascii: "0"):
                // the open packet: {"sid":"…",…}
                let text = String(decoding: packet, as: UTF8.self)
                if let r = text.range(of: "\"sid\":\""), let end = text[r.upperBound...].firstIndex(of: "\"") {
                    c.sid = String(text[r.upperBound..<end])
                    c.outgoing.append(Array("40".utf8))
                    c.outgoing.append(startMessage)
                }
            case UInt8(ascii: "2"):
                c.outgoing.append([UInt8(ascii: "3")])
            case UInt8(ascii: "1"):
                c.closed = true
            case UInt8(ascii: "4"):
                if packet.count >= 2, packet[packet.startIndex + 1] == UInt8(ascii: "0") {
                    connected += 1
                } else if packet.starts(with: Self.candlePrefix) {
                    received += 1
                    if received % sampleEvery == 0 { sample(packet) }
                }
            default:
                break
            }
        }
    }

    private func sample(_ packet: ArraySlice<UInt8>) {
        let key = Self.openKey
        guard packet.count > key.count else { return }
        var at: Int?
        var i = packet.startIndex
        while i <= packet.endIndex - key.count {
            if packet[i] == key[0], packet[i..<i + key.count].elementsEqual(key) {
                at = i
                break
            }
            i += 1
        }
        guard let at else { return }
        let text = String(decoding: packet[(at + key.count)...].prefix { $0 != UInt8(ascii: ",") }, as: UTF8.self)
        guard let sent = Double(text) else { return }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        latenciesMs.append((Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 - sent) * 1000)
    }
}
