import Synchronization
import Testing

@testable import SocketIOServer

/// The session table and the outbound queues' admission (``ServerSessions``), without a server.
@Suite("Server sessions")
struct ServerSessionsTests {
    private static var fakeConnection: OpaquePointer { OpaquePointer(bitPattern: 0x1000)! }

    private func table(_ change: (inout StreamServerConfig) -> Void = { _ in }) -> (ServerSessions, ServerCounters) {
        var config = StreamServerConfig()
        change(&config)
        let counters = ServerCounters()
        return (ServerSessions(config: config, counters: counters), counters)
    }

    @Test("sessions get distinct ids and sids, are found by sid, and are forgotten once")
    func openAndRemove() {
        let (t, counters) = table()
        let a = t.open(transport: .websocket(Self.fakeConnection), address: "10.0.0.1")
        let b = t.open(transport: .polling, address: "10.0.0.2")
        #expect(a.id != b.id && a.sid != b.sid)
        #expect(a.sid.utf8.count == 20)
        #expect(t.session(sid: b.sid) === b && t[a.id] === a)
        #expect(t.count == 2 && counters.clients.load(ordering: .relaxed) == 2)
        #expect(counters.pollingSessions.load(ordering: .relaxed) == 1)
        #expect(b.pingDue > 0)  // a polling session's first ping is the ticker's
        #expect(t.remove(b))
        #expect(!t.remove(b))
        #expect(t.session(sid: b.sid) == nil && t[b.id] == nil)
        #expect(counters.pollingSessions.load(ordering: .relaxed) == 0)
        #expect(counters.clients.load(ordering: .relaxed) == 1)
        #expect(counters.connectionsTotal.load(ordering: .relaxed) == 2)
    }

    @Test("ids of sessions, connections and requests come from one counter")
    func sharedIDs() {
        let (t, _) = table()
        let key = t.makeID()
        let s = t.open(transport: .polling, address: "a")
        #expect(s.id == key + 1)
        #expect(t.makeID() == s.id + 1)
    }

    @Test("unauthenticated sessions and pending upgrades are counted")
    func counts() {
        let (t, _) = table()
        let a = t.open(transport: .polling, address: "a")
        _ = t.open(transport: .polling, address: "a")
        a.authenticated = true
        #expect(t.unauthenticatedCount == 1)
        #expect(!t.isUpgrading(a.id))
        t.pendingUpgrades[Self.fakeConnection] = a.id
        #expect(t.isUpgrading(a.id))
    }

    @Test("a full queue drops and counts, then cuts a client that stays full past the grace")
    func slowClient() {
        let (t, counters) = table {
            $0.clientQueueLimit = 2; $0.slowClientGrace = 0
        }
        let s = t.open(transport: .polling, address: "a")
        #expect(t.push(s, Array("42[\"a\"]".utf8), key: nil, force: false) == .write)
        #expect(t.push(s, Array("42[\"b\"]".utf8), key: nil, force: false) == .write)
        #expect(t.push(s, Array("42[\"c\"]".utf8), key: nil, force: false) == .write)  // dropped: the grace starts
        #expect(s.overLimitSince != nil)
        #expect(t.push(s, Array("42[\"d\"]".utf8), key: nil, force: false) == .slow)
        #expect(counters.drops.load(ordering: .relaxed) == 2)
        #expect(counters.slowDisconnects.load(ordering: .relaxed) == 1)
        #expect(counters.maxQueueDepth.load(ordering: .relaxed) == 2)
    }

    @Test("a message past the byte budget cuts the client, forced or not")
    func byteBudget() {
        let (t, counters) = table { $0.clientByteBudget = 16 }
        let s = t.open(transport: .polling, address: "a")
        #expect(t.push(s, [UInt8](repeating: 0x41, count: 10), key: nil, force: true) == .write)
        #expect(t.push(s, [UInt8](repeating: 0x41, count: 10), key: nil, force: true) == .overBudget)
        #expect(counters.budgetDisconnects.load(ordering: .relaxed) == 1)
    }

    @Test("candle updates of one candle and forced pongs coalesce")
    func coalescing() {
        let (t, counters) = table()
        let s = t.open(transport: .polling, address: "a")
        let key = SocketIOServer.CandleKey(asset: 1, seconds: 60, start: 0)
        _ = t.push(s, Array("1".utf8), key: key, force: false)
        _ = t.push(s, Array("2".utf8), key: key, force: false)
        _ = t.push(s, Array("3".utf8), key: nil, force: true)
        _ = t.push(s, Array("3x".utf8), key: nil, force: true)
        #expect(counters.coalesced.load(ordering: .relaxed) == 2)
        #expect(s.queue.count == 2)  // the newest update of the candle, the newest pong
        #expect(s.queue.pop()?.bytes == Array("2".utf8))
        #expect(s.queue.pop()?.bytes == Array("3x".utf8))
    }

    @Test("while routing, WebSocket writes are deferred once per session and handed over in order")
    func deferredWrites() {
        let (t, _) = table()
        let w1 = t.open(transport: .websocket(OpaquePointer(bitPattern: 0x1000)!), address: "a")
        let w2 = t.open(transport: .websocket(OpaquePointer(bitPattern: 0x2000)!), address: "a")
        let p = t.open(transport: .polling, address: "a")
        #expect(!t.deferWrite(w1))  // not routing
        t.deferringWrites = true
        #expect(t.deferWrite(w2) && t.deferWrite(w1))
        #expect(t.deferWrite(w2))  // already deferred: its one write after routing takes this message too
        #expect(!t.deferWrite(p))  // long-polling: its held GET is woken instead
        t.deferringWrites = false
        var order: [UInt64] = []
        t.drainRoutedWrites { order.append($0.id) }
        #expect(order == [w2.id, w1.id])  // once each
        #expect(!w1.writeRouted && !w2.writeRouted)
        var again = 0
        t.drainRoutedWrites { _ in again += 1 }
        #expect(again == 0)
    }
}
