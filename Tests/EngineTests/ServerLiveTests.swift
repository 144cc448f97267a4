import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Ring
import SocketIOServer
import Testing
import TextWriters

/// Real python-socketio clients against an in-process StreamServer on 127.0.0.1.
@Suite("Server live clients", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerLiveTests {
    static let start: Int64 = 1_700_000_100 / 60 * 60

    static func sample(_ asset: AssetID, _ tf: Timeframe, close: Double) -> Candle {
        Candle(
            asset: asset, timeframe: tf, start: Timeframe(seconds: tf.seconds).start(of: Double(start) + 7),
            open: 1.0842, high: 1.0851, low: 1.0839, close: close, ticks: 17)
    }

    @Test("python-socketio: status, streams, history, updates, data, unknown event, ack")
    func basicSession() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!, gbp = dir.lookup("GBPUSD")!
        let run = try runPythonClient("basic", port: server.boundPort, timeout: 40) { _ in
            server.publish([
                Self.sample(eur, .oneMinute, close: 1.08475), Self.sample(gbp, .oneMinute, close: 1.2711),
                Self.sample(gbp, Timeframe(seconds: 5), close: 1.2712),
            ])
        }
        #expect(run.status == 0, "\(run.stderr)")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        let status = r["connection_status"] as? [String: Any]
        #expect(status?["status"] as? String == "connected")
        #expect(status?["chrome"] as? String == "not connected")
        #expect(status?["source"] as? String == "demo")
        #expect((status?["timestamp"] as? String)?.hasSuffix("Z") == true)
        #expect((r["assets"] as? [String: Any])?["assets"] as? [String] == ["EURUSD_otc", "GBPUSD"])
        #expect((r["stream_started"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        let history = try #require(r["history"] as? [String: Any])
        #expect(history["asset"] as? String == "EURUSD_otc")
        #expect(history["count"] as? Int == 3)
        #expect(history["source"] as? String == "fake")
        #expect(((history["candles"] as? [[String: Any]])?.last?["close"] as? Double) == 1.2)
        let candle = try #require(r["candle"] as? [String: Any])
        #expect(candle["timestamp"] as? Int == Int(Self.start))
        #expect(candle["open"] as? Double == 1.0842)
        #expect(candle["high"] as? Double == 1.0851)
        #expect(candle["low"] as? Double == 1.0839)
        #expect(candle["close"] as? Double == 1.08475)
        #expect(candle["volume"] as? Int == 17)
        // the original's isoformat() form
        #expect(candle["date"] as? String == UTCTime.iso8601UTCOffset(seconds: Self.start))
        #expect(r["other_asset_before_change"] as? Bool == false)
        #expect((r["asset_changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["candle2"] as? [String: Any])?["close"] as? Double == 1.2711)
        #expect((r["stream_stopped"] as? [String: Any])?["timestamp"] is String)
        let files = (r["available_data"] as? [String: Any])?["files"] as? [[String: Any]]
        #expect(files?.first?["asset"] as? String == "EURUSD_otc")
        #expect(files?.first?["timeframe"] as? String == "1m")
        #expect((r["error"] as? [String: Any])?["error"] as? String == "unknown event no_such_event")
        #expect((r["ack"] as? [String: Any])?["assets"] as? [String] == ["EURUSD_otc", "GBPUSD"])
        let sub = r["subscribed"] as? [String: Any]
        #expect(sub?["assets"] as? [String] == ["GBPUSD"])
        #expect(sub?["timeframes"] as? [String] == ["5s", "1m"])
        #expect(sub?["unknown_assets"] as? [String] == ["nope"])
        #expect((r["candle5s"] as? [String: Any])?["close"] as? Double == 1.2712)
    }

    @Test("token: wrong and missing refused with 44 unauthorized, right accepted")
    func token() throws {
        let (server, _) = try makeTestServer { $0.token = "s3cret" }
        defer { server.stop() }
        let run = try runPythonClient("auth", port: server.boundPort, args: ["s3cret"], timeout: 30)
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        #expect((r["wrong"] as? String)?.contains("unauthorized") == true, "\(r)")
        #expect((r["missing"] as? String)?.contains("unauthorized") == true, "\(r)")
        #expect(r["right"] as? String == "connected")
        #expect(server.stats.authFailures == 2)
    }

    @Test("500 concurrent clients all receive an update")
    func fiveHundredClients() throws {
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let clock = ContinuousClock.now
        let run = try runPythonClient("many", port: server.boundPort, args: ["500"], timeout: 90) { _ in
            server.publish(CollectionOfOne(Self.sample(eur, Timeframe(seconds: 5), close: 1.5)))
        }
        let r = try #require(run.result, "no result: \(run.stdout.suffix(500)) \(run.stderr.suffix(2000))")
        #expect(r["received"] as? Int == 500, "\(r)")
        #expect(r["close"] as? Double == 1.5)
        #expect(server.stats.connectionsTotal >= 500)
        print("500 clients: \(r) in \(ContinuousClock.now - clock); stats \(server.stats)")
    }

    @Test("garbage, malformed JSON and oversize messages close only their client")
    func abusiveClients() throws {
        let (server, dir) = try makeTestServer { $0.maxInboundMessageBytes = 2048 }
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        var close = 1.0
        let run = try runPythonClient("abuse", port: server.boundPort, args: ["10000"], timeout: 40) { _ in
            close += 0.0001
            server.publish(CollectionOfOne(Self.sample(eur, .oneMinute, close: close)))
        }
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        #expect(r["garbage_closed"] as? Bool == true)
        #expect(r["bad_json_closed"] as? Bool == true)
        #expect(r["oversize_closed"] as? Bool == true)
        #expect(r["good_client_connected"] as? Bool == true)
        #expect((r["good_client_new_updates"] as? Int ?? 0) > 0)
        #expect(server.stats.inboundErrors >= 3)
        #expect(server.stats.oversizeMessages >= 1)
    }

    @Test("a client that stops reading is cut; its queue stays bounded; others keep receiving")
    func slowClient() throws {
        let limit = 64
        let (server, dir) = try makeTestServer {
            $0.clientQueueLimit = limit
            $0.slowClientGrace = 0.5
        }
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        var n: Int64 = 0
        let run = try runPythonClient("slow", port: server.boundPort, timeout: 60) { out in
            guard out.contains("SLOW_READY") else { return }
            // distinct 5 s candles (no coalescing) and a large-ish volume of bytes
            var batch: [Candle] = []
            for _ in 0..<1000 {
                n += 1
                batch.append(
                    Candle(
                        asset: eur, timeframe: Timeframe(seconds: 5), start: 1_700_000_000 + n * 5,
                        open: 1, high: 2, low: 0.5, close: 1.5, ticks: Int(n)))
            }
            batch.append(Self.sample(eur, .oneMinute, close: Double(n)))
            server.publish(batch)
        }
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        let stats = server.stats
        #expect(stats.slowDisconnects >= 1, "\(stats)")
        #expect(stats.maxQueueDepth <= limit + 4, "\(stats)")
        #expect(r["slow_socket_closed"] as? Bool == true)
        #expect(r["good_client_connected"] as? Bool == true)
        #expect((r["good_client_new_updates"] as? Int ?? 0) > 0, "\(r)")
    }
}
