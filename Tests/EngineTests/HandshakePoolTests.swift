import Testing

@testable import SocketIOServer

/// The long-polling handshake pool's eviction rule (issue 28, defect 5).
@Suite("Handshake pool")
struct HandshakePoolTests {
    @Test("a burst from one address is kept; past a second its share applies; the pool's capacity always does")
    func shares() {
        var pool = HandshakePool(capacity: 256, perAddress: 32)
        // 100 polling clients handshaking at once from one address (a proxy, a benchmark): all kept
        for id in 0..<100 { #expect(pool.admit(session: UInt64(id), address: "a", now: 0).isEmpty) }
        #expect(pool.count == 100)
        // a second later they count against the address's share: the oldest give way
        let evicted = pool.admit(session: 1000, address: "a", now: HandshakePool.slowAfter)
        #expect(evicted == (0..<69).map(UInt64.init))
        // another address is not touched
        #expect(pool.admit(session: 2000, address: "b", now: HandshakePool.slowAfter).isEmpty)
        // the capacity holds whatever the age: the oldest of the pool gives way
        var dropped: [UInt64] = []
        for id in 3000..<3300 { dropped += pool.admit(session: UInt64(id), address: "c", now: HandshakePool.slowAfter) }
        #expect(pool.count == 256)
        #expect(dropped.first == 69)
    }
}
