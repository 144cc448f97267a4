import CEpoll
import Foundation

/// Many Socket.IO WebSocket clients on one `epoll` loop (raw RFC 6455 over non-blocking sockets,
/// one thread), for fan-out figures that measure the server rather than the clients: each
/// connects over the websocket transport, sends `40`, then `start_stream {asset}`, answers pings,
/// and for every sampled `candle_update` records the delay since the wall-clock send time the
/// publisher put in `open`.
///
/// Why not libwebsockets here: its client loop is `poll()` over every connection, so each wake-up
/// of the client thread cost O(clients) in the kernel – with 1,000 clients that was the largest
/// part of the measured tail, and it ran on the same 2 cores as the server under test. `epoll`
/// costs O(ready connections) per wake-up. The receive time is taken once per `recv`, right after
/// it returns (every message in that read had arrived by then).
///
/// Threads: not `Sendable` – created, run and freed on one thread.
final class NativeFanoutClients {
    private struct Client {
        var fd: Int32
        /// The HTTP `101` answer has been read; frames follow.
        var upgraded = false
        var closed = false
        /// Bytes of an unfinished frame (or answer head) carried to the next read; rarely used.
        var carry: [UInt8] = []
    }

    private var clients: [Client] = []
    private let epoll: Int32
    private let startMessage: [UInt8]
    private let sampleEvery: Int
    private let readBuffer: UnsafeMutablePointer<UInt8>
    private static let readCapacity = 1 << 18
    private var ready: [UInt64]

    /// Clients that completed the Socket.IO connect.
    private(set) var connected = 0
    /// `candle_update` messages received.
    private(set) var received = 0
    /// Sampled send → receive delays in milliseconds.
    private(set) var latenciesMs: [Double] = []
    /// Connections that failed (refused, reset, bad answer, a send that did not fit): counted, never fatal.
    private(set) var failures = 0

    init(port: Int, clients count: Int, asset: String, sampleEvery: Int) throws {
        self.sampleEvery = max(1, sampleEvery)
        startMessage = Array("42[\"start_stream\",{\"asset\":\"\(asset)\"}]".utf8)
        latenciesMs.reserveCapacity(1 << 20)
        readBuffer = .allocate(capacity: Self.readCapacity)
        ready = Array(repeating: 0, count: 512)
        epoll = qf_epoll_create()
        guard epoll >= 0 else { throw BenchError("fan-out clients: epoll_create1 failed (errno \(errno))") }
        let request = Array(
            """
            GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r
            Host: 127.0.0.1:\(port)\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Version: 13\r
            \r

            """.utf8)
        clients.reserveCapacity(count)
        for i in 0..<count {
            let fd = try LoopbackSocket.connect(port: port, who: "fan-out clients")
            clients.append(Client(fd: fd))
            guard qf_epoll_add_readable(epoll, fd, UInt64(i)) == 0 else {
                throw BenchError("fan-out clients: epoll_ctl failed (errno \(errno))")
            }
            if !sendAll(fd, request) { fail(i) }
        }
    }

    deinit {
        for c in clients where c.fd >= 0 { close(c.fd) }
        close(epoll)
        readBuffer.deallocate()
    }

    /// Services the connections until `deadline` (monotonic seconds from `now()`).
    func run(until deadline: Double) {
        while true {
            let left = deadline - now()
            if left <= 0 { return }
            let n = ready.withUnsafeMutableBufferPointer {
                qf_epoll_wait_tokens(epoll, $0.baseAddress, Int32($0.count), Int32(min(100, max(1, left * 1000))))
            }
            if n < 0 { if errno == EINTR { continue } else { return } }
            for k in 0..<Int(n) { readable(Int(ready[k])) }
        }
    }

    private func fail(_ i: Int) {
        guard !clients[i].closed else { return }
        failures += 1
        drop(i)
    }

    /// Closes client `i`'s connection (it counts as closed from then on).
    private func drop(_ i: Int) {
        clients[i].closed = true
        _ = qf_epoll_remove(epoll, clients[i].fd)
        close(clients[i].fd)
        clients[i].fd = -1
    }

    /// One `recv` (level-triggered: what is left comes back on the next wait), then every
    /// complete frame in it.
    private func readable(_ i: Int) {
        guard !clients[i].closed else { return }
        let carried = clients[i].carry.count
        if carried > 0 {
            guard carried < Self.readCapacity / 2 else { return fail(i) }
            clients[i].carry.withUnsafeBufferPointer { readBuffer.update(from: $0.baseAddress!, count: carried) }
            clients[i].carry.removeAll(keepingCapacity: true)
        }
        let n = recv(clients[i].fd, readBuffer + carried, Self.readCapacity - carried, 0)
        if n <= 0 {
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                if carried > 0 {
                    clients[i].carry.append(contentsOf: UnsafeBufferPointer(start: readBuffer, count: carried))
                }
                return
            }
            return n == 0 ? drop(i) : fail(i)
        }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let arrived = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        let end = carried + n
        var at = 0
        if !clients[i].upgraded {
            guard let head = Self.headEnd(readBuffer, end) else {
                clients[i].carry.append(contentsOf: UnsafeBufferPointer(start: readBuffer, count: end))
                return
            }
            guard end >= 12, memcmp(readBuffer, "HTTP/1.1 101", 12) == 0 else { return fail(i) }
            clients[i].upgraded = true
            at = head
        }
        // frames from the server are unmasked: 2-byte head, then a 16- or 64-bit length when 126/127
        while end - at >= 2 {
            let b0 = readBuffer[at], b1 = readBuffer[at + 1]
            guard b1 & 0x80 == 0 else { return fail(i) }
            var len = Int(b1 & 0x7F), headLen = 2
            if len == 126 {
                guard end - at >= 4 else { break }
                len = Int(readBuffer[at + 2]) << 8 | Int(readBuffer[at + 3])
                headLen = 4
            } else if len == 127 {
                guard end - at >= 10 else { break }
                len = 0
                for k in 2..<10 { len = len << 8 | Int(readBuffer[at + k]) }
                headLen = 10
                guard len < Self.readCapacity / 2 else { return fail(i) }
            }
            guard end - at >= headLen + len else { break }
            let payload = readBuffer + at + headLen
            at += headLen + len
            switch b0 & 0x0F {
            case 0x1: message(i, payload, len, arrived: arrived)
            case 0x8: return drop(i)
            case 0x9: sendFrame(i, opcode: 0xA, UnsafeBufferPointer(start: payload, count: len))
            default: break
            }
            if clients[i].closed { return }
        }
        if at < end {
            clients[i].carry.append(contentsOf: UnsafeBufferPointer(start: readBuffer + at, count: end - at))
        }
    }

    /// Offset just past the `\r\n\r\n` ending an HTTP head, if it is complete.
    private static func headEnd(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        for k in 0...(count - 4) where p[k] == 13 && p[k + 1] == 10 && p[k + 2] == 13 && p[k + 3] == 10 { return k + 4 }
        return nil
    }

    private static let openKey: [UInt8] = Array("\"open\":".utf8)

    /// One Engine.IO packet.
    private func message(_ i: Int, _ bytes: UnsafeMutablePointer<UInt8>, _ len: Int, arrived: Double) {
        guard len > 0 else { return }
        if len > 20, memcmp(bytes, "42[\"candle_update\"", 18) == 0 {
            received += 1
            guard received % sampleEvery == 0, let at = Self.find(Self.openKey, in: bytes, count: len) else { return }
            // strtod stops at the first non-number byte (a ',' always follows the value)
            let sent = (bytes + at + Self.openKey.count).withMemoryRebound(to: CChar.self, capacity: 1) {
                strtod($0, nil)
            }
            latenciesMs.append((arrived - sent) * 1000)
        } else if bytes[0] == UInt8(ascii: "0") {
            sendText(i, Self.connectMessage)
        } else if len >= 2, bytes[0] == UInt8(ascii: "4"), bytes[1] == UInt8(ascii: "0") {
            connected += 1
            sendText(i, startMessage)
        } else if len == 1, bytes[0] == UInt8(ascii: "2") {
            sendText(i, Self.pongMessage)
        }
    }

    private static let connectMessage: [UInt8] = Array("40".utf8)
    private static let pongMessage: [UInt8] = Array("3".utf8)

    private func sendText(_ i: Int, _ message: [UInt8]) {
        message.withUnsafeBufferPointer { sendFrame(i, opcode: 0x1, $0) }
    }

    /// A masked client frame (mask key 0: the payload goes as is). Small control and event
    /// messages only; one that does not fit in the socket buffer at once counts as a failure.
    private func sendFrame(_ i: Int, opcode: UInt8, _ payload: UnsafeBufferPointer<UInt8>) {
        guard payload.count < 126 else { return fail(i) }
        var frame: [UInt8] = [0x80 | opcode, 0x80 | UInt8(payload.count), 0, 0, 0, 0]
        frame.append(contentsOf: payload)
        if !sendAll(clients[i].fd, frame) { fail(i) }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Offset of `needle` in `bytes`, if present.
    private static func find(_ needle: [UInt8], in bytes: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count >= needle.count else { return nil }
        var i = 0
        while i <= count - needle.count {
            if bytes[i] == needle[0], memcmp(bytes + i, needle, needle.count) == 0 { return i }
            i += 1
        }
        return nil
    }
}
