import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing
import TextWriters

/// Every client request gets its own reply or error event; the original's `/health` fields;
/// `chrome_reconnected`; `--simulated-mode`.
@Suite("Server: requests answered", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerRequestTests {
    static func run(_ scenario: String, server: StreamServer, onOutput: (String) -> Void = { _ in }) throws -> [String:
        Any]
    {
        let run = try runPythonClient(
            scenario, port: server.boundPort, timeout: 40, script: "events_client.py", tick: onOutput)
        #expect(run.status == 0, "\(run.stderr.suffix(800))")
        return try #require(run.result, "no result: \(run.stdout.suffix(300)) \(run.stderr.suffix(800))")
    }

    static func object(_ r: [String: Any], _ key: String) -> [String: Any] { r[key] as? [String: Any] ?? [:] }

    @Test("malformed payloads, unformed timeframes, unknown events and repeated listings each get an answer")
    func everyRequestAnswered() throws {
        let (server, _) = try makeTestServer { $0.formedTimeframes = [Timeframe(seconds: 5), .oneMinute] }
        defer { server.stop() }
        let r = try Self.run("requests", server: server)
        #expect((Self.object(r, "start_number")["error"] as? String)?.contains("must be a string") == true)
        #expect((Self.object(r, "start_empty")["error"] as? String)?.contains("empty asset name") == true)
        #expect((Self.object(r, "start_long")["error"] as? String)?.contains("over 64 bytes") == true)
        #expect((Self.object(r, "change_missing")["error"] as? String)?.contains("change_asset needs") == true)
        #expect((Self.object(r, "change_list")["error"] as? String)?.contains("change_asset needs") == true)
        #expect(Self.object(r, "start_bare_string")["asset"] as? String == "GBPUSD")
        #expect(Self.object(r, "stop_ack")["timestamp"] is String)
        #expect((Self.object(r, "subscribe_bad")["error"] as? String)?.contains("subscribe needs") == true)
        #expect((Self.object(r, "subscribe_none")["error"] as? String)?.contains("subscribe needs") == true)
        #expect((Self.object(r, "unsubscribe_bad")["error"] as? String)?.contains("unsubscribe needs") == true)
        #expect(
            (Self.object(r, "unsubscribe_tf_bad")["error"] as? String)?.contains("timeframes must be a list") == true)

        let unformed = Self.object(r, "unformed")
        #expect(unformed["assets"] as? [String] == ["EURUSD_otc"])
        #expect(unformed["timeframes"] as? [String] == ["1m"])
        #expect(unformed["unknown_assets"] as? [String] == ["nope", "(not a string)"])
        #expect(unformed["unknown_timeframes"] as? [String] == ["bogus", "15m"])
        #expect(unformed["formed_timeframes"] as? [String] == ["5s", "1m"])
        let error = try #require(unformed["error"] as? String)
        #expect(error.contains("timeframes not formed by this server: 15m (formed: 5s, 1m"), "\(error)")
        let ack = Self.object(r, "unformed_ack")
        #expect(ack["timeframes"] as? [String] == [] && ack["unknown_timeframes"] as? [String] == ["15m"])
        #expect(
            (Self.object(r, "unsubscribed")["subscriptions"] as? [[String: Any]])?.map { $0["asset"] as? String } == [
                "EURUSD_otc"
            ])

        #expect(Self.object(r, "unknown")["error"] as? String == "unknown event no_such_event")
        #expect(Self.object(r, "unknown_ack")["error"] as? String == "unknown event no_such_event")
        #expect(Self.object(r, "assets")["assets"] as? [String] == ["EURUSD_otc", "GBPUSD"])
        #expect((Self.object(r, "available")["files"] as? [Any])?.count == 1)
        #expect((Self.object(r, "available_again")["error"] as? String)?.contains("get_available_data") == true)
        #expect(r["still_connected"] as? Bool == true)
        #expect(server.stats.listingRefused == 1)
    }

    @Test("detect_asset: asset_detection_failed before the chart showed an asset, asset_detected after")
    func detectAsset() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        var told = false
        let r = try Self.run("detect", server: server) { out in
            if !told, out.contains("ASKED") {
                server.publishAssetDetected(dir.lookup("GBPUSD")!)
                told = true
            }
        }
        #expect((Self.object(r, "failed")["error"] as? String)?.contains("has not shown an asset") == true)
        #expect(Self.object(r, "failed_ack")["error"] != nil)
        #expect(Self.object(r, "detected")["asset"] as? String == "GBPUSD")
        #expect(Self.object(r, "detected")["timestamp"] is String)
    }

    @Test("chrome_reconnected once Chrome is back after a loss (not on the first attach)")
    func chromeReconnected() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        var done = false
        let r = try Self.run("reconnect", server: server) { out in
            guard !done, out.contains("CONNECTED") else { return }
            done = true
            server.setSourceStatus(SourceStatus(kind: .chrome, connected: true))
            server.setSourceStatus(SourceStatus(kind: .chrome, connected: false))
            server.setSourceStatus(SourceStatus(kind: .chrome, connected: true))
        }
        #expect(Self.object(r, "reconnected")["source"] as? String == "chrome")
        #expect(r["count"] as? Int == 1)
        #expect(r["statuses"] as? [String] == ["not connected", "connected", "not connected", "connected"])
    }

    @Test("/health: the original's status, chrome and timestamp, and qflux's members")
    func health() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        func fetch() throws -> [String: Any] {
            let answer = try httpGet(port: server.boundPort, path: "/health")
            #expect(answer.status == 200)
            return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        }
        var h = try fetch()
        #expect(h["status"] as? String == "healthy")
        #expect(h["chrome"] as? String == "disconnected")
        let stamp = try #require(h["timestamp"] as? String)
        let time = try #require(UTCTime.parse(stamp))
        #expect(abs(time - Date().timeIntervalSince1970) < 60)
        #expect(h["ticks"] as? Int == 1234 && (h["source"] as? [String: Any])?["kind"] as? String == "demo")
        server.setSourceStatus(SourceStatus(kind: .chrome, connected: true))
        #expect(waitUntil(5) { ((try? fetch())?["chrome"] as? String) == "connected" })
        h = try fetch()
        #expect((h["source"] as? [String: Any])?["connected"] as? Bool == true)
    }

    @Test("qflux stream --simulated-mode runs the demo broker (the original's option name)")
    func simulatedMode() throws {
        guard let qflux = builtQflux() else { return }
        let child = try QfluxChild(qflux, ["stream", "--simulated-mode", "--port", "0", "--demo-assets", "2"])
        let port = try #require(child.port(), "no port: \(child.stderr)")
        #expect(child.stderr.contains("demo broker"), "\(child.stderr)")
        let health = try httpGet(port: port, path: "/health")
        #expect(health.body.contains("\"kind\":\"demo\""), "\(health.body)")
        let stopped = child.stop(SIGTERM, timeout: 20)
        #expect(stopped?.status == 0, "\(child.stderr)")
        let both = try CLITests.qflux(["stream", "--simulated-mode", "--source", "redis://127.0.0.1:1"])
        #expect(both.status != 0 && both.stderr.contains("--source and --demo exclude each other"), "\(both.stderr)")
    }
}
