import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing

/// Batched WebSocket writes on the wire: several queued messages for one client go out framed
/// back to back in one write, and a plain RFC 6455 reader gets every one, whole and in order.
@Suite("Server fan-out batched writes", .serialized)
struct ServerFanoutBatchTests {
    /// A minimal blocking WebSocket client on a raw socket (frames from the server are unmasked;
    /// ours carry a zero mask).
    final class RawClient {
        let fd: Int32
        private var buffer: [UInt8] = []

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let r = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard r == 0 else { throw CocoaError(.fileReadUnknown) }
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            send(
                Array(
                    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                        .utf8))
            while true {
                if let end = find([13, 10, 13, 10]) {
                    buffer.removeFirst(end + 4)
                    break
                }
                guard fill() else { throw CocoaError(.fileReadUnknown) }
            }
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        func sendText(_ text: String) {
            let payload = Array(text.utf8)
            send([0x81, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload)
        }

        private func find(_ needle: [UInt8]) -> Int? {
            guard buffer.count >= needle.count else { return nil }
            for i in 0...(buffer.count - needle.count) where Array(buffer[i..<(i + needle.count)]) == needle {
                return i
            }
            return nil
        }

        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            buffer += chunk[0..<n]
            return true
        }

        /// The next text message, or nil on timeout / close / a frame that is not a whole text frame.
        func nextText() -> String? {
            while true {
                if buffer.count >= 2 {
                    let b0 = buffer[0], b1 = buffer[1]
                    var len = Int(b1 & 0x7F), head = 2
                    if len == 126 {
                        if buffer.count >= 4 { len = Int(buffer[2]) << 8 | Int(buffer[3]); head = 4 } else { len = -1 }
                    }
                    if len >= 0, b1 & 0x80 == 0, buffer.count >= head + len {
                        guard b0 == 0x81 else { return nil }
                        let text = String(decoding: buffer[head..<(head + len)], as: UTF8.self)
                        buffer.removeFirst(head + len)
                        return text
                    }
                }
                guard fill() else { return nil }
            }
        }
    }

    @Test("a burst of queued updates arrives whole and in order, sent in batched writes")
    func burstArrivesInOrder() throws {
        let (server, directory) = try makeTestServer()
        defer { server.stop() }
        let asset = directory.register("EURUSD_otc")
        let client = try RawClient(port: server.boundPort)
        #expect(client.nextText()?.hasPrefix("0{") == true)
        client.sendText("40")
        #expect(client.nextText()?.hasPrefix("40") == true)
        client.sendText("42[\"start_stream\",{\"asset\":\"EURUSD_otc\"}]")
        #expect(eventually(5) { server.stats.clients == 1 })
        // whatever start_stream answers comes first: its reply (the focus is routed by then), then
        // the focus's history
        var answered = false
        while !answered, let text = client.nextText() { answered = text.hasPrefix("42[\"historical_candles_loaded\"") }
        #expect(answered, "no historical_candles_loaded after start_stream")
        let before = server.stats
        // 200 distinct candles in one batch: one drain queues them all for the client at once
        let count = 200
        let candles = (0..<count).map { i in
            Candle(
                asset: asset, timeframe: .oneMinute, start: 1_700_000_000 + Int64(i) * 60, open: Double(i),
                high: Double(i),
                low: Double(i), close: Double(i), ticks: 1)
        }
        server.publish(candles)
        var starts: [Int64] = []
        while starts.count < count, let text = client.nextText() {
            guard text.hasPrefix("42[\"candle_update\"") else { continue }
            guard let range = text.range(of: "\"timestamp\":") else {
                Issue.record("no timestamp in \(text)")
                break
            }
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            starts.append(Int64(digits) ?? -1)
        }
        #expect(starts.count == count)
        #expect(starts == starts.sorted() && Set(starts).count == count)
        // the counters are bumped after the write returns: the client may read first
        #expect(eventually(5) { server.stats.messagesSent - before.messagesSent >= UInt64(count) })
        let after = server.stats
        #expect(after.batchedWrites > before.batchedWrites)
        #expect(after.drops == 0)
    }
}
