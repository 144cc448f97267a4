import Logging
import Synchronization
import Testing

@testable import SocketIOServer

/// The long-polling transport (``PollingTransport``) where it needs no connection: what a held
/// `GET` is answered with, and a graceful close – through a fake coordinator (``PollingHost``).
@Suite("Server polling transport")
struct ServerPollingTransportTests {
    private final class FakeHost: PollingHost {
        let sessions: ServerSessions
        var closingAll = false
        var closed: [UInt64] = []
        var answers: [HTTPAnswer] = []
        var nextID: UInt64 = 1000
        init(sessions: ServerSessions) { self.sessions = sessions }
        func openSession(transport: ClientSession.Transport, address: String) -> ClientSession {
            sessions.open(transport: transport, address: address)
        }
        func closeSession(_ s: ClientSession) {
            closed.append(s.id)
            s.killed = true
            _ = sessions.remove(s)
        }
        func clientRefusal(checkUnauthenticated: Bool) -> ServerLimits.ClientRefusal? { nil }
        func armPingTimer(_ s: ClientSession, seconds: Double) {}
        func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool { true }
        func admitInbound(_ s: ClientSession, bytes: Int) -> Bool { true }
        func kill(_ s: ClientSession) {}
        func requestWrite(_ s: ClientSession) {}
        func admitHandshake(session: UInt64, address: String) -> [UInt64] { [] }
        var pinged: [UInt64] = []
        func pingTimerFired(_ s: ClientSession) { pinged.append(s.id) }
        func nextRequestID() -> UInt64 {
            nextID += 1
            return nextID
        }
        func respond(_ wsi: OpaquePointer, key: UInt64, _ answer: HTTPAnswer, allowOrigin: String?) -> Int32 {
            answers.append(answer)
            return 0
        }
        func writeAnswer(_ ex: HTTPExchange, _ a: HTTPAnswer) -> Int32 {
            answers.append(a)
            return 0
        }
    }

    private static var get: OpaquePointer { OpaquePointer(bitPattern: 0x4000)! }

    private func transport() -> (PollingTransport, FakeHost, HTTPExchanges, ServerCounters) {
        let env = ServerPartEnvironment()
        let config = env.config, counters = env.counters, sessions = env.sessions, io = env.io
        let host = FakeHostLifetime.keep(FakeHost(sessions: sessions)), exchanges = HTTPExchanges()
        let t = PollingTransport(
            host: host, config: config, counters: counters, logger: env.logger,
            sessions: sessions, io: io, exchanges: exchanges)
        return (t, host, exchanges, counters)
    }

    /// A session with a held `GET` (its exchange under key 7).
    private func held(_ host: FakeHost, _ exchanges: HTTPExchanges) -> (ClientSession, HTTPExchange) {
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        s.pendingGET = Self.get
        s.pendingGETKey = 7
        let ex = HTTPExchange(connection: 7, request: 1, wsi: Self.get, kind: .poll(session: s.id))
        exchanges[7] = ex
        return (s, ex)
    }

    @Test("a held GET takes at most 16 packets joined by 0x1e, and is counted")
    func answer() {
        let (t, host, exchanges, counters) = transport()
        let (s, ex) = held(host, exchanges)
        for i in 0..<20 { _ = host.sessions.push(s, Array("42[\(i)]".utf8), key: nil, force: false) }
        let queued = s.queue.count
        #expect(t.pollWriteable(ex, session: s.id) == 0)
        #expect(host.answers.count == 1 && s.pendingGET == nil && exchanges[7] == nil)
        let packets = host.answers[0].body.split(separator: EngineIOPayload.separator, omittingEmptySubsequences: false)
        #expect(packets.count == PollingTransport.maxPollPackets)
        #expect(s.queue.count == queued - PollingTransport.maxPollPackets)
        #expect(counters.messagesSent.load(ordering: .relaxed) == UInt64(PollingTransport.maxPollPackets))
        #expect(host.answers[0].contentType == HTTPExchanges.pollingContentType)
    }

    @Test("nothing queued: the GET stays held; closing after the flush: the close packet, the session forgotten")
    func closeAfterFlush() {
        let (t, host, exchanges, _) = transport()
        let (s, ex) = held(host, exchanges)
        while s.queue.pop() != nil {}
        #expect(t.pollWriteable(ex, session: s.id) == 0)
        #expect(host.answers.isEmpty && s.pendingGET == Self.get)
        s.closeAfterFlush = true
        #expect(t.pollWriteable(ex, session: s.id) == 0)
        #expect(host.answers.map(\.body) == [SocketIOEncoder.close])
        #expect(host.closed == [s.id])
    }

    @Test("closing a polling session without a held GET forgets it; a body without a connection is refused")
    func closePolling() {
        let (t, host, _, _) = transport()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        t.closePolling(s)
        #expect(host.closed == [s.id])
        t.closePolling(s)  // once only
        #expect(host.closed == [s.id])
        #expect(t.httpBodyComplete(Self.get, nil) == -1)
    }

    @Test("the ticker's checks: a session without a GET past its deadline is closed and counted, a due ping is sent")
    func deadlines() {
        let (t, host, _, counters) = transport()
        #expect(!t.checkDeadlines(now: 1))  // no long-polling session: the ticker may stop
        let late = host.sessions.open(transport: .polling, address: "10.0.0.1")
        let due = host.sessions.open(transport: .polling, address: "10.0.0.2")
        late.lastPollAt = 0
        due.pendingGET = Self.get  // held: no GET deadline
        due.pingDue = 0
        #expect(t.checkDeadlines(now: UInt64.max / 2))
        #expect(host.closed == [late.id] && host.pinged == [due.id])
        #expect(counters.pollingTimeouts.load(ordering: .relaxed) == 1)
    }
}
