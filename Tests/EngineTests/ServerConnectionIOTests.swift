import CLibWebSockets
import Logging
import Testing

@testable import SocketIOServer

/// The shared lws-call part (``ConnectionIO``) where it needs no connection: the write buffer and
/// the framing of a batch of queued WebSocket messages, peer addresses of no socket.
@Suite("Server connection I/O")
struct ServerConnectionIOTests {
    private func io() -> (ConnectionIO, ServerSessions) {
        let config = StreamServerConfig(), counters = ServerCounters()
        let sessions = ServerSessions(config: config, counters: counters)
        let policy = AccessPolicy(bindAddress: config.bindAddress, allowedOrigins: [], allowedHosts: [])
        return (
            ConnectionIO(
                config: config, counters: counters, logger: Logger(label: "test"), accessPolicy: policy,
                sessions: sessions), sessions
        )
    }

    private func bytes(_ start: UnsafeMutablePointer<UInt8>, _ count: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: start, count: count))
    }

    @Test("queued messages are framed back to back (FIN + text, 7-bit and 16-bit lengths) and popped")
    func batchFraming() {
        let (io, sessions) = io()
        let s = sessions.open(transport: .polling, address: "10.0.0.1")
        _ = s.queue.pop()  // the open packet
        let small = Array("42[\"a\"]".utf8), large = [UInt8](repeating: 0x61, count: 300)
        _ = sessions.push(s, small, key: nil, force: false)
        _ = sessions.push(s, large, key: nil, force: false)
        guard let batch = io.writeBatch(s) else {
            Issue.record("two small messages were not batched")
            return
        }
        #expect(batch.messages == 2 && batch.payloadBytes == small.count + large.count)
        #expect(batch.framedBytes == 2 + small.count + 4 + large.count)
        let out = bytes(batch.start, batch.framedBytes)
        #expect(out[0] == 0x81 && out[1] == UInt8(small.count))
        #expect(Array(out[2..<(2 + small.count)]) == small)
        let second = 2 + small.count
        #expect(out[second] == 0x81 && out[second + 1] == 126)
        #expect(Int(out[second + 2]) << 8 | Int(out[second + 3]) == large.count)
        #expect(Array(out[(second + 4)...]) == large)
        #expect(s.queue.isEmpty)
    }

    @Test("a lone message, or a batch that would pass the bound, is not batched")
    func batchBounds() {
        let (io, sessions) = io()
        let s = sessions.open(transport: .polling, address: "10.0.0.1")
        _ = s.queue.pop()
        _ = sessions.push(s, Array("4x".utf8), key: nil, force: false)
        #expect(io.writeBatch(s) == nil)  // alone: written by itself
        #expect(s.queue.count == 1)
        _ = s.queue.pop()
        let big = [UInt8](repeating: 0x62, count: 6000)  // two fit in writeBatchBytes, three do not
        for _ in 0..<3 { _ = sessions.push(s, big, key: nil, force: false) }
        let batch = io.writeBatch(s)
        #expect(batch?.messages == 2 && batch?.framedBytes == 2 * (4 + big.count))
        #expect(s.queue.count == 1)
    }

    @Test("the write buffer grows and keeps the spare bytes; no socket has no peer address")
    func scratchAndPeer() {
        let (io, _) = io()
        let a = io.writeScratch(before: lwsPre, count: 10, after: 0)
        #expect(a != nil && a == io.writeScratch(before: lwsPre, count: 100, after: 0))  // reused
        let grown = io.writeScratch(before: lwsPre, count: 100_000, after: 8)
        #expect(grown != nil)
        #expect(io.peerAddress(-1) == nil)
    }
}
