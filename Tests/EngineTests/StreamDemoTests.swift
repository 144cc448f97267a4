import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

/// `qflux stream --demo` end to end: the demo broker's frames go through the decoder, the ring,
/// the candle former and the server to a real python-socketio client, whose candle updates must
/// agree with the ticks the demo logged.
@Suite("Live stream with the demo broker", .serialized)
struct StreamDemoTests {
    @Test(
        "candle_update OHLC agree with the demo's ticks; change_asset, stop_stream, get_available_data work",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func demoEndToEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-stream-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tickLog = dir.appendingPathComponent("ticks.jsonl").path

        var config = LiveStream.Configuration()
        config.server.port = 0
        config.demo.ticksPerSecond = 60
        config.demo.assets = 3
        config.demo.seed = 7
        config.demo.historyMinutes = 0
        config.demo.tickLogPath = tickLog
        config.pipeline.archive = ArchiveConfiguration(
            directory: dir.appendingPathComponent("data").path, collect: .both,
            tickChunkSize: 50, candleChunkSize: 10)
        let stream = try LiveStream(configuration: config, logger: Logger(label: "test"))
        try stream.start()
        let run = try runScript(
            "stream_demo_client.py", args: ["http://127.0.0.1:\(stream.port)", "eurusd otc", "GBPUSD_OTC", "3"],
            timeout: 60)
        let summary = try stream.stop()
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(600))")
        let result = try #require(run.result)

        // Every update must equal the candle of some prefix of the logged ticks of its minute.
        let ticks = try String(contentsOfFile: tickLog, encoding: .utf8).split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }
        #expect(ticks.count >= 100)
        #expect(summary.counters.ticks == ticks.count)
        let updates = try #require(result["updates"] as? [[String: Any]])
        let eurusd = updates.filter { $0["asset"] as? String == "EURUSD_otc" }
        #expect(eurusd.count >= 10, "only \(eurusd.count) EURUSD_otc updates")
        for u in eurusd {
            let start = (u["timestamp"] as! NSNumber).doubleValue
            let volume = (u["volume"] as! NSNumber).intValue
            let minute = ticks.filter {
                $0["asset"] as? String == "EURUSD_otc"
                    && (($0["time"] as! NSNumber).doubleValue / 60).rounded(.down) * 60 == start
            }.map { ($0["price"] as! NSNumber).doubleValue }
            try #require(volume >= 1 && volume <= minute.count, "update volume \(volume) of \(minute.count) ticks")
            let prefix = minute.prefix(volume)
            #expect((u["open"] as! NSNumber).doubleValue == prefix.first!)
            #expect((u["close"] as! NSNumber).doubleValue == prefix.last!)
            #expect((u["high"] as! NSNumber).doubleValue == prefix.max()!)
            #expect((u["low"] as! NSNumber).doubleValue == prefix.min()!)
            #expect((u["date"] as? String)?.hasSuffix("+00:00") == true)
        }
        // The stream followed the client's asset changes.
        let started = try #require(result["started"] as? [[String: Any]])
        #expect(started.first?["asset"] as? String == "EURUSD_otc")
        let changed = try #require(result["changed"] as? [[String: Any]])
        #expect(changed.first?["asset"] as? String == "GBPUSD_otc")
        #expect((result["stopped"] as? [Any])?.isEmpty == false)
        let status = try #require(result["status"] as? [[String: Any]])
        #expect(status.first?["status"] as? String == "connected")
        // The archive directory is listed (archiving was on, chunks of 50 ticks were closed).
        let files = try #require((result["files"] as? [String: Any])?["files"] as? [[String: Any]])
        #expect(!files.isEmpty)
        #expect(files.allSatisfy { !($0["path"] as! String).hasPrefix("/") && !($0["path"] as! String).contains("..") })
        #expect(summary.archive?.ticks == ticks.count)
        #expect(summary.ringDropped == 0)
    }
}

/// Runs a script from Scripts/ with python3, killing it after `timeout` seconds.
func runScript(_ name: String, args: [String], timeout: Double) throws -> ScriptRun {
    try runScriptWhile(name, args: args, timeout: timeout) {}
}
