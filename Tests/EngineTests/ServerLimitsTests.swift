import Synchronization
import Testing

@testable import SocketIOServer

/// The admission limits (``ServerLimits``) without a server: buckets, client limits, the
/// handshake pool, the slow-header guard, CSV answer shares – and the counters of refusals.
@Suite("Server limits")
struct ServerLimitsTests {
    private func limits(_ change: (inout StreamServerConfig) -> Void = { _ in }) -> (ServerLimits, ServerCounters) {
        var config = StreamServerConfig()
        change(&config)
        let counters = ServerCounters()
        return (ServerLimits(config: config, counters: counters), counters)
    }

    @Test("an inbound message costs one token per started 4 KiB; over the rate is refused and counted")
    func inboundRate() {
        let (l, counters) = limits {
            $0.maxInboundMessagesPerSecond = 1; $0.inboundBurst = 3
        }
        var bucket = TokenBucket()
        #expect(l.admitInbound(&bucket, bytes: 2 * ServerLimits.inboundTokenBytes, now: 0))  // 2 tokens
        #expect(!l.admitInbound(&bucket, bytes: ServerLimits.inboundTokenBytes + 1, now: 0))  // 2 more: 1 left
        #expect(l.admitInbound(&bucket, bytes: 1, now: 0))
        #expect(counters.rateLimited.load(ordering: .relaxed) == 1)
        #expect(l.admitInbound(&bucket, bytes: 1, now: 1_000_000_000))  // refilled
        let (off, _) = limits { $0.maxInboundMessagesPerSecond = 0 }
        var any = TokenBucket()
        for _ in 0..<10_000 { #expect(off.admitInbound(&any, bytes: 1 << 20, now: 0)) }
    }

    @Test("the event budget: a burst, then refused and counted")
    func eventBudget() {
        let (l, counters) = limits {
            $0.clientEventsPerSecond = 10; $0.clientEventBurst = 2
        }
        var bucket = TokenBucket()
        #expect(l.takeEvent(&bucket, now: 0) && l.takeEvent(&bucket, now: 0))
        #expect(!l.takeEvent(&bucket, now: 0))
        #expect(counters.clientsOverBudget.load(ordering: .relaxed) == 1)
        #expect(l.overBudgetMessage.contains("more than 10 events/s (burst 2)"))
    }

    @Test("client limit, then the unauthenticated limit (with a token); handshakes do not count")
    func clients() {
        let (l, counters) = limits {
            $0.maxClients = 2; $0.maxUnauthenticated = 1; $0.token = "t"
        }
        #expect(l.clientRefusal(sessions: 1, unauthenticated: { 0 }, closing: false) == nil)
        #expect(l.clientRefusal(sessions: 2, unauthenticated: { 0 }, closing: false) == .clientLimit)
        #expect(l.clientRefusal(sessions: 0, unauthenticated: { 0 }, closing: true) == .clientLimit)
        #expect(l.clientRefusal(sessions: 1, unauthenticated: { 1 }, closing: false) == .unauthenticated)
        #expect(
            l.clientRefusal(sessions: 1, unauthenticated: { 1 }, closing: false, checkUnauthenticated: false) == nil)
        #expect(counters.refusedMaxClients.load(ordering: .relaxed) == 2)
        #expect(counters.refusedUnauthenticated.load(ordering: .relaxed) == 1)
        var pool = l
        _ = pool.admitHandshake(session: 9, address: "a", now: 0)
        // the handshake counts in neither
        #expect(pool.clientRefusal(sessions: 2, unauthenticated: { 1 }, closing: false) == nil)
        pool.handshakeEnded(session: 9)
        #expect(pool.handshakes.count == 0)
        #expect(ServerLimits.ClientRefusal.clientLimit.message == "Service Unavailable: client limit reached")
    }

    @Test("handshakes past their timeout leave the pool")
    func handshakeTimeout() {
        var (l, _) = limits { $0.handshakeTimeout = 1 }
        _ = l.admitHandshake(session: 1, address: "a", now: 0)
        _ = l.admitHandshake(session: 2, address: "a", now: 500_000_000)
        #expect(l.expiredHandshakes(now: 999_999_999).isEmpty)
        #expect(l.expiredHandshakes(now: 1_000_000_000) == [1])
        #expect(l.handshakes.count == 1)
    }

    @Test("an address past its share of slow connections loses its oldest; fast ones never count")
    func slowHeaders() {
        var (l, counters) = limits { $0.maxSlowHeaderConnectionsPerAddress = 2 }
        let w = (1...4).map { OpaquePointer(bitPattern: $0 * 16)! }
        l.headerGuard.track(w[0], address: "a", now: 0)
        l.headerGuard.track(w[1], address: "a", now: 10)
        l.headerGuard.track(w[2], address: "b", now: 0)
        #expect(l.slowHeaderVictims(address: "a", now: 5).isEmpty)  // not slow yet
        #expect(l.slowHeaderVictims(address: "a", now: ServerLimits.slowHeaderAfter + 20) == [w[0]])
        #expect(l.headerGuard.count == 2)
        #expect(counters.slowHeaderEvictions.load(ordering: .relaxed) == 1)
        let (off, _) = limits { $0.maxSlowHeaderConnectionsPerAddress = 0 }
        #expect(!off.guardsHeaders)
    }

    @Test("CSV answers: the server-wide slots, then the address's share, refused and counted")
    func httpShares() {
        let (l, counters) = limits {
            $0.maxHTTPStreams = 3; $0.maxHTTPStreamsPerAddress = 2
        }
        var held: [HTTPSlot] = []
        held.append(l.httpSlot(address: "a"))
        #expect(l.httpStreamRefusal(address: "a", closing: false) == nil)
        held.append(l.httpSlot(address: "a"))
        #expect(l.httpStreamRefusal(address: "a", closing: false)?.contains("from this address") == true)
        #expect(l.httpStreamRefusal(address: "b", closing: false) == nil)
        held.append(l.httpSlot(address: "b"))
        #expect(l.httpStreamRefusal(address: "c", closing: false)?.contains("too many CSV requests under way") == true)
        #expect(l.httpStreamRefusal(address: "c", closing: true) != nil)
        #expect(counters.httpStreamsRefused.load(ordering: .relaxed) == 3)
        held.removeAll()  // slots go back when released
        #expect(counters.httpStreams.load(ordering: .relaxed) == 0 && l.httpSlots.count("a") == 0)
    }
}
