import Dispatch
import FastDecode
import Synchronization
import Testing

@testable import SocketIOServer

/// The Socket.IO event handlers (``EventHandlers``) without a server: Engine.IO control packets,
/// the connect, events before and after it – through a fake coordinator (``EventHost``) that
/// records what each client is sent.
@Suite("Server event handlers")
struct ServerEventHandlersTests {
    private final class FakeHost: EventHost {
        let sessions: ServerSessions
        var closingAll = false
        var status = SourceStatus(kind: .demo, connected: true)
        var detected: AssetID?
        var sent: [(client: UInt64, bytes: [UInt8], force: Bool)] = []
        var events: [(client: UInt64, name: String, ack: Int?)] = []
        var handshakesEnded: [UInt64] = []
        var budget = true
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
        func send(_ s: ClientSession, _ bytes: [UInt8], force: Bool) { sent.append((s.id, bytes, force)) }
        func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int?) {
            events.append((s.id, name, ack))
        }
        func withinBudget(_ s: ClientSession) -> Bool { budget }
        func handshakeEnded(session: UInt64) { handshakesEnded.append(session) }
    }

    private func handlers() -> (EventHandlers, FakeHost) {
        let config = StreamServerConfig(), counters = ServerCounters()
        let sessions = ServerSessions(config: config, counters: counters)
        let host = FakeHostLifetime.keep(FakeHost(sessions: sessions)), inbox = ServerInbox(capacity: 16)
        let directory = AssetDirectory(), router = FocusRouter()
        let jobs = RequestJobs(
            config: config, counters: counters, sessions: sessions,
            dataSource: CountingDataSource(historyDelay: 0), directory: directory, inbox: inbox,
            worker: DispatchQueue(label: "test.worker"))
        let focus = FocusControl(
            host: host, config: config, router: router, sessions: sessions, jobs: jobs,
            directory: directory)
        let h = EventHandlers(
            host: host, config: config, counters: counters, sessions: sessions, router: router, focus: focus,
            jobs: jobs, directory: directory, dataSource: CountingDataSource(historyDelay: 0), inbox: inbox,
            worker: DispatchQueue(label: "test.worker"), analysisQueue: DispatchQueue(label: "test.analysis"),
            liveIndicators: LiveIndicatorHub(limits: config.liveIndicators))
        return (h, host)
    }

    @Test("Engine.IO: a ping is answered with a forced pong, a close ends the client, a pong clears the wait")
    func engineIO() {
        let (h, host) = handlers()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        #expect(h.handlePacket(s, .ping(payload: "x")))
        #expect(host.sent.count == 1 && host.sent[0].bytes == SocketIOEncoder.pong(payload: "x") && host.sent[0].force)
        s.awaitingPong = true
        #expect(h.handlePacket(s, .pong) && !s.awaitingPong)
        #expect(h.handlePacket(s, .noop))
        #expect(!h.handlePacket(s, .close))
    }

    @Test(
        "connect: a foreign namespace is refused; `/` connects, leaves the handshake pool, gets its status and assets")
    func connect() {
        let (h, host) = handlers()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        #expect(h.handlePacket(s, .socket(.event(namespace: "/", ackID: nil, name: "get_assets", args: []))) == false)
        #expect(h.handlePacket(s, .socket(.connect(namespace: "/other", auth: nil))))
        #expect(!s.socketConnected && host.sent.count == 1)
        #expect(h.handlePacket(s, .socket(.connect(namespace: "/", auth: nil))))
        #expect(s.socketConnected && host.handshakesEnded == [s.id])
        #expect(host.sent.last?.bytes == SocketIOEncoder.connectAck(sid: s.sid))
        #expect(host.events.map(\.name) == ["connection_status", "assets"])
    }

    @Test("events: answered with their ack; unknown ones get `error`; nothing beyond the budget")
    func events() {
        let (h, host) = handlers()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        _ = h.handlePacket(s, .socket(.connect(namespace: "/", auth: nil)))
        host.events.removeAll()
        _ = h.handlePacket(s, .socket(.event(namespace: "/", ackID: 3, name: "get_assets", args: [])))
        _ = h.handlePacket(s, .socket(.event(namespace: "/", ackID: nil, name: "nonsense", args: [])))
        _ = h.handlePacket(s, .socket(.event(namespace: "/", ackID: 4, name: "stop_stream", args: [])))
        #expect(host.events.map(\.name) == ["assets", "error", "stream_stopped"])
        #expect(host.events[0].ack == 3 && host.events[2].ack == 4)
        _ = h.handlePacket(s, .socket(.event(namespace: "/", ackID: nil, name: "subscribe", args: [])))
        #expect(host.events.last?.name == "error")  // subscribe without assets
        host.budget = false
        let before = host.events.count
        _ = h.handlePacket(s, .socket(.event(namespace: "/", ackID: nil, name: "get_assets", args: [])))
        #expect(host.events.count == before)
    }

    @Test("disconnect: the client closes after its flush")
    func disconnect() {
        let (h, host) = handlers()
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        _ = h.handlePacket(s, .socket(.connect(namespace: "/", auth: nil)))
        #expect(h.handlePacket(s, .socket(.disconnect(namespace: "/"))))
        #expect(!s.socketConnected && s.closeAfterFlush)
    }

    /// Records the on-demand evaluations started and stopped.
    private final class RecordingControl: SignalEvaluationControl {
        let log = Mutex<[String]>([])
        func startEvaluation(strategy: String, timeframe: Int) -> String? {
            log.withLock { $0.append("start \(strategy)@\(timeframe)") }
            return nil
        }
        func stopEvaluation(strategy: String, timeframe: Int) {
            log.withLock { $0.append("stop \(strategy)@\(timeframe)") }
        }
    }

    @Test("a closed session's signal subscriptions go at once: the on-demand evaluation only it used stops")
    func closedSessionStopsItsEvaluation() {
        let (h, host) = handlers()
        let control = RecordingControl()
        h.signalSubscriptions.control = control
        let s = host.sessions.open(transport: .polling, address: "10.0.0.1")
        _ = h.handlePacket(s, .socket(.connect(namespace: "/", auth: nil)))
        let request = JSONValue.object([
            "assets": .string("*"), "timeframe": .number(5), "strategy": .string("quantum_flux"),
        ])
        _ = h.handlePacket(
            s, .socket(.event(namespace: "/", ackID: nil, name: "subscribe_signals", args: [request])))
        #expect(host.events.last?.name == "signals_subscribed")
        #expect(control.log.withLock { $0 } == ["start quantum_flux@5"])
        h.signalSessionClosed(s)
        #expect(control.log.withLock { $0 } == ["start quantum_flux@5", "stop quantum_flux@5"])
        #expect(h.signalSubscriptions.total == 0)
        h.signalSessionClosed(s)  // twice is harmless
        #expect(control.log.withLock { $0 }.count == 2)
    }
}
