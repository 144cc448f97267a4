import Foundation
import Synchronization

/// The floor under any fan-out server on this machine: a "server" that does nothing but the
/// kernel's part – one `send()` of a ready-made `candle_update` frame per client per update, on
/// `senders` threads that split the clients – measured with the same clients, the same rate and
/// the same cores as qflux. Whatever qflux's latency is above this floor is qflux's; what is under
/// it no server written against sockets on this machine can remove.
///
/// Protocol: just enough for ``NativeFanoutClients`` – the `101` answer, then `0{…}` and
/// `40{…}` at once (the clients' own `40` and `start_stream` are never read: a few bytes each,
/// they sit in the socket buffers). No pings: a run is shorter than any ping interval.
final class KernelFloorServer: @unchecked Sendable {
    private let listener: Int32
    /// The port the clients connect to (127.0.0.1).
    let port: Int
    private var clients: [Int32] = []
    /// Clients that got the whole handshake.
    private(set) var accepted = 0

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw BenchError("kernel floor: socket() failed (errno \(errno))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, len) == 0 && listen(listener, 4096) == 0 && getsockname(listener, $0, &len) == 0
            }
        }
        guard bound else {
            close(listener)
            throw BenchError("kernel floor: bind/listen on 127.0.0.1 failed (errno \(errno))")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit {
        for fd in clients { close(fd) }
        close(listener)
    }

    /// Accepts and answers `count` clients, waiting at most `timeout` seconds in all. Run it on
    /// its own thread while the clients connect (they send their upgrade requests first).
    func accept(_ count: Int, timeout: Double) {
        let deadline = now() + timeout
        let answer =
            Array(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
                    .utf8)
            + Self.frame(
                Array(
                    "0{\"sid\":\"floor\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
                        .utf8))
            + Self.frame(Array("40{\"sid\":\"floor\"}".utf8))
        var head = [UInt8](repeating: 0, count: 4096)
        while clients.count < count, now() < deadline {
            var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { continue }
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var wait = timeval(tv_sec: 5, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            clients.append(fd)
            // the request head, then the answer (blocking: a few hundred bytes each way)
            var got = 0
            while got < head.count {
                let n = head.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, $0.count - got, 0) }
                if n <= 0 { break }
                got += n
                if got >= 4, head[got - 4] == 13, head[got - 3] == 10, head[got - 2] == 13, head[got - 1] == 10 {
                    break
                }
            }
            let sent = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent == answer.count { accepted += 1 }
        }
    }

    /// Sends `count` updates at `rate`, each to every client, on `senders` threads that each own
    /// a contiguous share of the clients; every thread stamps its own frames with the wall clock
    /// just before its round of sends. Returns when all are done.
    func publishPaced(rate: Double, count: Int, senders: Int) {
        let shares = (0..<senders).map { s in clients.count * s / senders..<clients.count * (s + 1) / senders }
        let begin = now() + 0.01
        let done = DispatchGroup()
        for share in shares {
            done.enter()
            let fds = Array(clients[share])
            Thread {
                defer { done.leave() }
                for i in 0..<count {
                    let wait = begin + Double(i) / rate - now()
                    if wait > 0 { usleep(UInt32(wait * 1e6)) }
                    let frame = Self.frame(Self.update(minute: i))
                    frame.withUnsafeBytes { bytes in
                        for fd in fds { _ = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
                    }
                }
            }.start()
        }
        done.wait()
    }

    /// A `candle_update` of the shape qflux sends (see ServerPayloads), every price the wall clock.
    private static func update(minute: Int) -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let t = String(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
        let start = 1_764_201_600 + minute * 60
        return Array(
            "42[\"candle_update\",{\"asset\":\"\(BenchServer.assetName)\",\"timeframe\":\"1m\",\"timestamp\":\(start),\"open\":\(t),\"high\":\(t),\"low\":\(t),\"close\":\(t),\"volume\":1,\"date\":\"2025-11-27T00:00:00+00:00\"}]"
                .utf8)
    }

    /// An unmasked server text frame (FIN + text).
    private static func frame(_ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        precondition(n < 65536)
        let head: [UInt8] = n < 126 ? [0x81, UInt8(n)] : [0x81, 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        return head + payload
    }
}
