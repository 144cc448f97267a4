import Dispatch
import Logging
import Synchronization
import Testing

@testable import SocketIOServer

/// The HTTP routes (``HTTPRoutes``) where they need no connection: connection keys, the exchange
/// a connection's data names, what a closed connection does to a held `GET` or a `POST` – through
/// a fake coordinator (``HTTPHost``, ``PollingHost``).
@Suite("Server HTTP routes")
struct ServerHTTPRoutesTests {
    private final class FakeHost: PollingHost, HTTPHost {
        let sessions: ServerSessions
        var closingAll = false
        var status = SourceStatus(kind: .demo, connected: true)
        let startedAt: UInt64 = 0
        init(sessions: ServerSessions) { self.sessions = sessions }
        func openSession(transport: ClientSession.Transport, address: String) -> ClientSession {
            sessions.open(transport: transport, address: address)
        }
        func closeSession(_ s: ClientSession) {}
        func clientRefusal(checkUnauthenticated: Bool) -> ServerLimits.ClientRefusal? { nil }
        func armPingTimer(_ s: ClientSession, seconds: Double) {}
        func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool { true }
        func admitInbound(_ s: ClientSession, bytes: Int) -> Bool { true }
        func kill(_ s: ClientSession) {}
        func requestWrite(_ s: ClientSession) {}
        func admitHandshake(session: UInt64, address: String) -> [UInt64] { [] }
        func nextRequestID() -> UInt64 { sessions.makeID() }
        func respond(_ wsi: OpaquePointer, key: UInt64, _ answer: HTTPAnswer, allowOrigin: String?) -> Int32 { 0 }
        func writeAnswer(_ ex: HTTPExchange, _ a: HTTPAnswer) -> Int32 { 0 }
        func pingTimerFired(_ s: ClientSession) {}
        func headersDone(_ wsi: OpaquePointer) {}
        func httpStreamRefusal(address: String) -> String? { nil }
        func httpSlot(address: String) -> HTTPSlot { fatalError("no CSV answers here") }
    }

    private static var connection: OpaquePointer { OpaquePointer(bitPattern: 0x5000)! }

    private func routes() -> (HTTPRoutes, FakeHost, HTTPExchanges) {
        let env = ServerPartEnvironment()
        let config = env.config, counters = env.counters, sessions = env.sessions, io = env.io
        let host = FakeHostLifetime.keep(FakeHost(sessions: sessions)), exchanges = HTTPExchanges()
        let polling = PollingTransport(
            host: host, config: config, counters: counters, logger: env.logger,
            sessions: sessions, io: io, exchanges: exchanges)
        let r = HTTPRoutes(
            host: host, config: config, counters: counters, logger: env.logger,
            sessions: sessions, io: io, exchanges: exchanges, polling: polling,
            dataSource: CountingDataSource(historyDelay: 0), inbox: ServerInbox(capacity: 16),
            httpQueue: DispatchQueue(label: "test.http"))
        return (r, host, exchanges)
    }

    @Test("a connection's key is allocated once, on its first request, and names its exchange")
    func keys() {
        let (r, _, exchanges) = routes()
        let user = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        defer { user.deallocate() }
        user.storeBytes(of: 0, as: UInt64.self)
        let key = r.connectionKey(user)
        #expect(key != 0 && r.connectionKey(user) == key)
        #expect(r.exchange(Self.connection, user) == nil && r.exchange(Self.connection, nil) == nil)
        let ex = HTTPExchange(connection: key, request: 1, wsi: Self.connection, kind: .waiting)
        exchanges[key] = ex
        #expect(r.exchange(Self.connection, user) === ex)
        #expect(r.exchange(OpaquePointer(bitPattern: 0x6000)!, user) == nil)  // another connection
        r.exchangeGone(ex)
        #expect(exchanges[key] == nil)
    }

    @Test("a closed connection releases its session's held GET or POST")
    func gone() {
        let (r, host, exchanges) = routes()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        s.pendingGET = Self.connection
        let poll = HTTPExchange(connection: 1, request: 1, wsi: Self.connection, kind: .poll(session: s.id))
        exchanges[1] = poll
        r.exchangeGone(poll)
        #expect(s.pendingGET == nil && exchanges[1] == nil)
        s.postInFlight = true
        let post = HTTPExchange(connection: 2, request: 2, wsi: Self.connection, kind: .post(session: s.id))
        exchanges[2] = post
        r.exchangeGone(post)
        #expect(!s.postInFlight && exchanges[2] == nil)
    }

    @Test("plain paths: /health from the source and the counters, static answers, 404")
    func plainPaths() {
        let (r, _, _) = routes()
        let health = r.httpAnswer(path: "/health")
        #expect(health.status == 200 && health.contentType == "application/json")
        #expect(
            String(decoding: health.body, as: UTF8.self).hasPrefix(
                "{\"status\":\"healthy\",\"chrome\":\"disconnected\""))
        let metrics = r.httpAnswer(path: "/metrics")
        #expect(
            metrics.status == 200 && String(decoding: metrics.body, as: UTF8.self).contains("qflux_server_clients 0\n"))
        #expect(r.httpAnswer(path: "/no-such-page").status == 404)
    }
}
