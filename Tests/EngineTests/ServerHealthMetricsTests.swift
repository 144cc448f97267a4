import Foundation
import Synchronization
import Testing

@testable import SocketIOServer

/// `/health` and `/metrics` of the HTTP part (``HTTPExchanges/healthJSON(_:_:status:uptimeSeconds:)``,
/// ``HTTPExchanges/metricsText(_:uptimeSeconds:sourceMetrics:)``) without a server.
@Suite("Server health and metrics")
struct ServerHealthMetricsTests {
    private func stats(_ change: (ServerCounters) -> Void = { _ in }) -> StreamServerStats {
        let counters = ServerCounters()
        change(counters)
        return counters.snapshot(handoffDrops: 4)
    }

    @Test("/health: the original's members first, then the counters and the source's own members")
    func health() throws {
        var h = HealthSnapshot(ticks: 12, candleUpdates: 5, lastTickTime: 1_700_000_000.5)
        h.extraMembers = "\"extra\":1"
        let st = stats {
            $0.add($0.messagesSent, 9)
            $0.add($0.drops, 2)
        }
        let bytes = HTTPExchanges.healthJSON(
            h, st, status: SourceStatus(kind: .chrome, connected: true), uptimeSeconds: 1.23456)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["status"] as? String == "healthy")
        #expect(json["chrome"] as? String == "connected")
        #expect(json["timestamp"] is String)
        #expect(json["uptime_seconds"] as? Double == 1.235)
        #expect((json["source"] as? [String: Any])?["kind"] as? String == "chrome")
        #expect(json["ticks"] as? Int == 12 && json["candle_updates"] as? Int == 5)
        #expect(json["last_tick_time"] as? Double == 1_700_000_000.5)
        #expect(json["messages_sent"] as? Int == 9 && json["drops"] as? Int == 2)
        #expect(json["extra"] as? Int == 1)
        let demo = HTTPExchanges.healthJSON(
            HealthSnapshot(ticks: 0), st, status: SourceStatus(kind: .demo, connected: true), uptimeSeconds: 0)
        let d = try #require(try JSONSerialization.jsonObject(with: Data(demo)) as? [String: Any])
        #expect(d["chrome"] as? String == "disconnected")
        #expect(d["last_tick_time"] is NSNull)
    }

    @Test("/metrics: the server's counters, the limit lines, then the source's lines")
    func metrics() {
        let st = stats {
            $0.add($0.drops, 3)
            $0.add($0.historyMerged, 2)
        }
        let text = HTTPExchanges.metricsText(st, uptimeSeconds: 2, sourceMetrics: "qflux_source_x 1\n")
        #expect(text.contains("# TYPE qflux_server_drops_total counter\n"))
        #expect(text.contains("qflux_server_drops_total 3\n"))
        #expect(text.contains("qflux_server_history_merged_total 2\n"))
        #expect(text.contains("qflux_server_handoff_drops_total 4\n"))
        #expect(text.contains("qflux_server_batched_writes_total 0\n"))
        #expect(text.hasSuffix("qflux_source_x 1\n"))
    }
}
