import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing

/// Engine.IO long-polling and the upgrade to WebSocket, with real python-socketio clients and
/// raw HTTP (Scripts/transport_client.py).
@Suite("Server long-polling", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerPollingTests {
    @Test("python-socketio default client: long-polling handshake, upgrade to WebSocket, candle_update")
    func defaultClientUpgrades() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        var n = 0
        let run = try runTransportScript("default", port: server.boundPort, timeout: 40) { _ in
            n += 1
            server.publish(CollectionOfOne(liveCandle(eur, n)))
        }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(2000))")
        #expect(r["transport"] as? String == "websocket", "\(r)")
        #expect((r["updates"] as? Int ?? 0) >= 3, "\(r)")
        #expect((r["candle"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        let stats = server.stats
        #expect(stats.pollingSessionsTotal >= 1, "\(stats)")
        #expect(stats.upgrades >= 1, "\(stats)")
        #expect(stats.pollingSessions == 0, "\(stats)")
    }

    @Test("a polling-only client streams: history, candle_update, acks")
    func pollingOnlyStreams() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        var n = 0
        var pollingSeen = 0
        let run = try runTransportScript("polling", port: server.boundPort, timeout: 40) { _ in
            n += 1
            server.publish(CollectionOfOne(liveCandle(eur, n)))
            pollingSeen = max(pollingSeen, server.stats.pollingSessions)
        }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(2000))")
        #expect(r["transport"] as? String == "polling", "\(r)")
        #expect((r["updates"] as? Int ?? 0) >= 5, "\(r)")
        #expect((r["ack"] as? [String: Any])?["assets"] as? [String] == ["EURUSD_otc", "GBPUSD"])
        if r["client"] as? String == "sync" { #expect(r["history_count"] as? Int == 3, "\(r)") }
        #expect(pollingSeen >= 1)
        let stats = server.stats
        #expect(stats.upgrades == 0)
        #expect(stats.messagesSent > 5)
        #expect(eventually(3) { server.stats.pollingSessions == 0 }, "\(server.stats)")
    }

    @Test("with a token, a polling client without it (or with a wrong one) is refused")
    func tokenOverPolling() throws {
        let (server, _) = try makeTestServer { $0.token = "s3cret" }
        defer { server.stop() }
        let run = try runTransportScript("token", port: server.boundPort, args: ["s3cret"], timeout: 40)
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(2000))")
        #expect((r["missing"] as? String)?.contains("refused") == true, "\(r)")
        #expect((r["wrong"] as? String)?.contains("refused") == true, "\(r)")
        #expect(r["right"] as? String == "connected over polling", "\(r)")
        #expect(server.stats.authFailures == 2)
    }

    @Test(
        "raw long-polling: handshake, POST/GET, unknown sid, oversize POST, overlapping GETs, ping, GET deadline, origins"
    )
    func rawProtocol() throws {
        let limit = 1024
        let (server, _) = try makeTestServer {
            $0.pingInterval = 1
            $0.pingTimeout = 1
            $0.maxInboundMessageBytes = limit
        }
        defer { server.stop() }
        let run = try runTransportScript("raw_polling", port: server.boundPort, args: [String(limit)], timeout: 60)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(3000))")
        let open = try #require(r["open"] as? [String: Any])
        #expect(open["upgrades"] as? [String] == ["websocket"])
        #expect(open["pingInterval"] as? Int == 1000)
        #expect(open["pingTimeout"] as? Int == 1000)
        #expect(open["maxPayload"] as? Int == limit)
        #expect((open["sid"] as? String)?.count == 20)
        #expect(jsonText(r["unknown_sid"]) == jsonText([400, #"{"code":1,"message":"Session ID unknown"}"#] as [Any]))
        #expect((r["unknown_sid_post"] as? [Any])?.first as? Int == 400)
        #expect((r["eio3"] as? [Any])?.first as? Int == 400)
        #expect(jsonText(r["post_connect"]) == jsonText([200, "ok", "text/html"] as [Any]), "\(r)")
        let first = try #require(r["first_get"] as? [Any])
        #expect(first.first as? Int == 200)
        #expect(first.last as? String == "text/plain; charset=UTF-8")
        let packets = first[1] as? [String] ?? []
        #expect(packets.first?.hasPrefix("40{\"sid\":") == true, "\(packets)")
        #expect(packets.contains { $0.hasPrefix("42[\"connection_status\"") }, "\(packets)")
        #expect(r["ack_seen"] as? Bool == true)
        #expect(r["ping_seen"] as? Bool == true, "\(r)")
        #expect((r["ping_wait_seconds"] as? Double ?? 99) < 3, "\(r)")
        #expect(jsonText(r["pong_post"]) == jsonText([200, "ok"] as [Any]))
        #expect(r["oversize"] as? Int == 413, "\(r)")
        #expect((r["after_oversize"] as? [Any])?.first as? Int == 400, "an oversize POST closes its session: \(r)")
        #expect((r["second_get"] as? [Any])?.first as? Int == 400, "\(r)")
        #expect(jsonText(r["first_get_after_overlap"]) == jsonText([200, ["1"]] as [Any]), "\(r)")
        #expect((r["after_overlap"] as? [Any])?.first as? Int == 400, "\(r)")
        #expect(r["idle_sid_alive"] as? Int == 200)
        #expect((r["idle_after_deadline"] as? [Any])?.first as? Int == 400, "\(r)")
        #expect(r["foreign_origin"] as? Int == 403)
        #expect(jsonText(r["loopback_origin"]) == jsonText([200, "http://localhost:5000"] as [Any]), "\(r)")
        let abandoned = try #require(r["after_abandoned_get"] as? [Any], "\(r)")
        #expect(abandoned.first as? Int == 200, "a closed held GET is no overlap: \(r)")
        let stats = server.stats
        #expect(stats.oversizeMessages >= 1)
        #expect(stats.pollingOverlaps == 1, "\(stats)")
        #expect(stats.pollingTimeouts + stats.pingTimeouts >= 1, "\(stats)")
        #expect(stats.refusedOrigin >= 1)
    }

    @Test("the upgrade by hand: 2probe/3probe, held GET answered with a noop, 5, session continues on the WebSocket")
    func upgradeByHand() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        let run = try runTransportScript("upgrade_raw", port: server.boundPort, timeout: 40)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(3000))")
        #expect((r["connect"] as? [String])?.first?.hasPrefix("40{") == true, "\(r)")
        #expect(r["probe"] as? String == "3probe")
        #expect(jsonText(r["held_get"]) == jsonText([200, ["6"]] as [Any]), "\(r)")
        #expect(r["ws_ack"] as? Bool == true)
        #expect((r["get_after_upgrade"] as? [Any])?.first as? Int == 400)
        #expect(r["unknown_sid_upgrade"] as? Int == 400)
        #expect(server.stats.upgrades == 1)
    }

    @Test("WebSocket and polling clients side by side all stream")
    func mixedClients() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        var n = 0
        let run = try runTransportScript("mixed", port: server.boundPort, args: ["10"], timeout: 60) { _ in
            n += 1
            server.publish(CollectionOfOne(liveCandle(eur, n)))
        }
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(3000))")
        #expect(r["websocket_ok"] as? Int == 10, "\(r)")
        #expect(r["polling_ok"] as? Int == 10, "\(r)")
        #expect(server.stats.pollingSessionsTotal >= 10)
    }

    @Test("Engine.IO payloads split and join on 0x1e")
    func payloadSplitting() {
        let body = Array("40\u{1e}42[\"a\",1]\u{1e}3".utf8)
        let parts = EngineIOPayload.split(body)?.map { String(decoding: $0, as: UTF8.self) }
        #expect(parts == ["40", "42[\"a\",1]", "3"])
        #expect(EngineIOPayload.split(Array("1\u{1e}2\u{1e}3".utf8), maxPackets: 2) == nil)
        #expect(EngineIOPayload.split([])?.count == 1)
        #expect(EngineIOPayload.join([Array("40".utf8), Array("6".utf8)]) == Array("40\u{1e}6".utf8))
    }
}
