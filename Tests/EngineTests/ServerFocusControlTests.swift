import Dispatch
import FastDecode
import Testing

@testable import SocketIOServer

/// The focus (``FocusControl``) without a server: a pending name, its resolution when the asset
/// appears, the chart followed, the release – through a fake coordinator (``FocusHost``).
@Suite("Server focus control")
struct ServerFocusControlTests {
    private final class FakeHost: FocusHost {
        var status = SourceStatus(kind: .chrome, connected: false)
        var detected: AssetID?
        var events: [(client: UInt64, name: String, ack: Int?)] = []
        func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int?) {
            events.append((s.id, name, ack))
        }
    }

    private func control(_ change: (inout StreamServerConfig) -> Void = { _ in })
        -> (FocusControl, FakeHost, ServerSessions, AssetDirectory)
    {
        var config = StreamServerConfig()
        change(&config)
        let counters = ServerCounters(), sessions = ServerSessions(config: config, counters: counters)
        let directory = AssetDirectory(), host = FakeHostLifetime.keep(FakeHost())
        let jobs = RequestJobs(
            config: config, counters: counters, sessions: sessions,
            dataSource: CountingDataSource(historyDelay: 0), directory: directory,
            inbox: ServerInbox(capacity: 16), worker: DispatchQueue(label: "test.focus"))
        let focus = FocusControl(
            host: host, config: config, router: FocusRouter(), sessions: sessions, jobs: jobs,
            directory: directory)
        return (focus, host, sessions, directory)
    }

    @Test("a name not seen yet is pending (and says so) until the asset appears")
    func pending() {
        let (focus, host, sessions, directory) = control()
        let requester = sessions.open(transport: .polling, address: "10.0.0.1")
        requester.socketConnected = true
        requester.focus = .requested
        focus.setFocus(.pending("EURUSD"), requester: requester)
        #expect(focus.focusName == "EURUSD" && focus.focusAsset == nil)
        let notice = focus.focusNotice() ?? ""
        #expect(notice.contains("Chrome not connected") && notice.contains("EURUSD has not been seen yet"))
        let id = directory.register("EURUSD")
        focus.resolvePendingFocus()
        #expect(focus.focusAsset == id && focus.router.focusKey?.asset == id.rawValue)
        #expect(host.events.isEmpty)  // the name did not change: nobody is told
    }

    @Test("the followed chart moves the focus; other listeners are told; the release tells everyone")
    func followAndRelease() {
        let (focus, host, sessions, directory) = control()
        host.status = SourceStatus(kind: .chrome, connected: true)
        let a = sessions.open(transport: .polling, address: "10.0.0.1")
        let b = sessions.open(transport: .polling, address: "10.0.0.2")
        for s in [a, b] {
            s.socketConnected = true
            s.focus = .requested
        }
        focus.router.listenersDirty = true
        focus.setFocus(.follow, requester: a)
        #expect(focus.focusName == nil && focus.focusNotice()?.contains("broker chart") == true)
        let id = directory.register("GBPUSD")
        host.detected = id
        focus.chartMoved(to: id, before: nil)
        #expect(focus.focusName == "GBPUSD")
        #expect(host.events.map(\.name) == ["asset_changed", "asset_changed"])
        host.events.removeAll()
        focus.releaseFocus(requester: a, ack: 9)
        #expect(host.events.map(\.client) == [b.id, a.id] && host.events.last?.ack == 9)
        #expect(focus.router.focus == ServerFocus.none && focus.focusAsset == nil)
    }
}
