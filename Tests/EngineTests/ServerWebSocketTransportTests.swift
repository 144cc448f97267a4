import Logging
import Synchronization
import Testing

@testable import SocketIOServer

/// The WebSocket transport (``WebSocketTransport``) where it needs no connection: the session
/// named by a connection's per-session data, and what a closed connection does to its session –
/// through a fake coordinator (``TransportHost``).
@Suite("Server WebSocket transport")
struct ServerWebSocketTransportTests {
    private final class FakeHost: TransportHost {
        let sessions: ServerSessions
        var closingAll = false
        var closed: [UInt64] = []
        init(sessions: ServerSessions) { self.sessions = sessions }
        func openSession(transport: ClientSession.Transport, address: String) -> ClientSession {
            sessions.open(transport: transport, address: address)
        }
        func closeSession(_ s: ClientSession) {
            closed.append(s.id)
            _ = sessions.remove(s)
        }
        func clientRefusal(checkUnauthenticated: Bool) -> ServerLimits.ClientRefusal? { nil }
        func armPingTimer(_ s: ClientSession, seconds: Double) {}
        func handlePacket(_ s: ClientSession, _ packet: EngineIOInbound) -> Bool { true }
        func admitInbound(_ s: ClientSession, bytes: Int) -> Bool { true }
        func kill(_ s: ClientSession) {}
        func requestWrite(_ s: ClientSession) {}
    }

    private static var connection: OpaquePointer { OpaquePointer(bitPattern: 0x2000)! }
    private static var other: OpaquePointer { OpaquePointer(bitPattern: 0x3000)! }

    private func transport() -> (WebSocketTransport, FakeHost, ServerCounters) {
        let env = ServerPartEnvironment()
        let config = env.config, counters = env.counters, sessions = env.sessions, io = env.io
        let host = FakeHostLifetime.keep(FakeHost(sessions: sessions))
        let t = WebSocketTransport(
            host: host, config: config, counters: counters, logger: env.logger,
            sessions: sessions, io: io, exchanges: HTTPExchanges())
        return (t, host, counters)
    }

    @Test("the per-session data names the session; a closed WebSocket forgets it and clears the data")
    func closedSession() {
        let (t, host, counters) = transport()
        let s = host.sessions.open(transport: .websocket(Self.connection), address: "10.0.0.1")
        let user = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        defer { user.deallocate() }
        user.storeBytes(of: s.id, as: UInt64.self)
        #expect(t.session(user) === s && t.session(nil) == nil)
        #expect(t.webSocketWriteable(Self.other, nil) == -1)  // no session
        t.webSocketClosed(Self.other, user)  // not its connection: the session stays
        #expect(host.closed.isEmpty)
        user.storeBytes(of: s.id, as: UInt64.self)
        host.sessions.readsHeld.insert(Self.connection)  // it had stopped reading
        t.webSocketClosed(Self.connection, user)
        #expect(host.closed == [s.id] && user.load(as: UInt64.self) == 0)
        #expect(counters.slowDisconnects.load(ordering: .relaxed) == 1)
    }

    @Test("a failed upgrade leaves the long-polling session polling")
    func failedUpgrade() {
        let (t, host, _) = transport()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        s.upgradeWSI = Self.connection
        s.probed = true
        s.probeReplyOwed = true
        let user = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        defer { user.deallocate() }
        user.storeBytes(of: s.id, as: UInt64.self)
        t.webSocketClosed(Self.connection, user)
        #expect(host.closed.isEmpty && s.isPolling)
        #expect(s.upgradeWSI == nil && !s.probed && !s.probeReplyOwed)
    }
}
