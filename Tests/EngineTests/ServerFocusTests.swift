import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing
import TextWriters

/// The server-wide focus as the original's clients expect it: `start_stream` by one client
/// streams to every client without its own subscriptions (docs/server-protocol.md, "Focus").
@Suite("Server: focus and broadcast", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerFocusTests {
    static func minute(_ asset: AssetID, close: Double) -> Candle {
        Candle(
            asset: asset, timeframe: .oneMinute, start: 1_760_538_720, open: 1, high: 2, low: 0.5, close: close,
            ticks: 5)
    }

    /// Runs an events_client.py scenario, publishing 1m candles of `assets` every 50 ms.
    static func run(
        _ scenario: String, server: StreamServer, publishing assets: () -> [AssetID],
        timeout: Double = 40, onOutput: (String) -> Void = { _ in }
    ) throws -> [String: Any] {
        let run = try runPythonClient(scenario, port: server.boundPort, timeout: timeout, script: "events_client.py") {
            out in
            onOutput(out)
            server.publish(assets().map { minute($0, close: 1.5) })
        }
        #expect(run.status == 0, "\(run.stderr.suffix(800))")
        return try #require(run.result, "no result: \(run.stdout.suffix(300)) \(run.stderr.suffix(800))")
    }

    @Test(
        "a listener that never sent start_stream gets the driver's focus; a subscriber keeps its own set; stop_stream releases it"
    )
    func listenerBesideDriver() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!, gbp = dir.lookup("GBPUSD")!
        let r = try Self.run("listener", server: server, publishing: { [eur, gbp] })
        #expect((r["started"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        #expect((r["listener_candle"] as? [String: Any])?["timeframe"] as? String == "1m")
        #expect((r["listener_changed"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        #expect((r["listener_history"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        #expect((r["driver_history"] as? [String: Any])?["count"] as? Int == 3)
        #expect(r["subscriber_got_focus"] as? Bool == false, "a subscribe client gets its own set only")
        #expect((r["changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["driver_changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["driver_candle2"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["listener_stopped"] as? [String: Any])?["timestamp"] is String)
        #expect(r["listener_updates_after_stop"] as? Int == 0, "\(r)")
    }

    @Test(
        "start_stream for an asset not seen yet: stream_started at once with a notice; history and candles when it appears"
    )
    func startBeforeTheAssetExists() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        var audcad: AssetID?
        let r = try Self.run("pending", server: server, publishing: { audcad.map { [$0] } ?? [] }) { out in
            if audcad == nil, out.contains("STARTED") { audcad = dir.register("AUDCAD_otc") }
        }
        #expect((r["assets_before"] as? [String])?.contains("AUDCAD_otc") == false)
        let started = try #require(r["started"] as? [String: Any])
        #expect(started["asset"] as? String == "audcad otc")
        #expect((started["notice"] as? String)?.contains("not been seen yet") == true, "\(started)")
        #expect((r["history"] as? [String: Any])?["asset"] as? String == "AUDCAD_otc")
        #expect((r["candle"] as? [String: Any])?["asset"] as? String == "AUDCAD_otc")
        #expect((r["listener_candle"] as? [String: Any])?["asset"] as? String == "AUDCAD_otc")
        #expect(
            (r["driver_changed"] as? [String: Any])?["asset"] as? String == "AUDCAD_otc",
            "the broker's spelling once known")
    }

    @Test("start_stream without an asset: the focus follows the broker chart, for listeners too")
    func followIsServerWide() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let gbp = dir.lookup("GBPUSD")!
        var detected = false
        let r = try Self.run("follow", server: server, publishing: { detected ? [gbp] : [] }) { out in
            if !detected, out.contains("STARTED") {
                server.publishAssetDetected(gbp)
                detected = true
            }
        }
        let started = try #require(r["started"] as? [String: Any])
        #expect(started["asset"] is NSNull)
        #expect((started["notice"] as? String)?.contains("has not shown an asset") == true)
        #expect((r["listener_changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["listener_candle"] as? [String: Any])?["close"] as? Double == 1.5)
        #expect((r["driver_changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["driver_history"] as? [String: Any])?["asset"] as? String == "GBPUSD")
    }

    @Test("candle date in the original's isoformat() form, in candle_update and history")
    func dateFormat() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let r = try Self.run("dates", server: server, publishing: { [eur] })
        #expect((r["candle"] as? [String: Any])?["date"] as? String == "2025-10-15T14:32:00+00:00")
        let history = try #require((r["history"] as? [String: Any])?["candles"] as? [[String: Any]])
        #expect(history.first?["date"] as? String == "2023-11-14T22:13:20+00:00")
        #expect(UTCTime.iso8601UTCOffset(seconds: 0) == "1970-01-01T00:00:00+00:00")
        #expect(UTCTime.parse(UTCTime.iso8601UTCOffset(seconds: 1_760_538_720)) == 1_760_538_720)
    }
}
