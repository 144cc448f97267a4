import Archive
import FastDecode
import Foundation
import Logging
import Testing

@testable import Candles
@testable import ChromeCDP
@testable import Engine

/// A broker tick at `1e300` once trapped converting to Int64 and took the whole pipeline down.
@Suite("Hostile ticks never crash the engine")
struct HostileTickTests {
    @Test(
        "the candle former ignores and counts ticks outside MarketLimits",
        // 4_070_908_800: a time in 2099
        arguments: [1e300, -1e300, 1e19, -1, .infinity, -.infinity, .nan, 4_070_908_800])
    func formerIgnoresAbsurdTimes(time: Double) {
        var former = CandleFormer(timeframes: [.oneMinute, Timeframe(seconds: 5)])
        var events: [CandleEvent] = []
        former.add(Tick(asset: AssetID(rawValue: 0), time: time, price: 1.1)) { events.append($0) }
        former.add(Tick(asset: AssetID(rawValue: 0), time: 1_756_866_774.962, price: 1e300)) { events.append($0) }
        former.add(Tick(asset: AssetID(rawValue: 0), time: 1_756_866_774.962, price: 1.1)) { events.append($0) }
        #expect(former.stats.invalid == 2)
        #expect(events.count == 2)  // the sane tick, in both timeframes
    }

    @Test("Timeframe.start(of:) saturates instead of trapping")
    func startSaturates() {
        for t in [1e300, -1e300, 1e19, -1e19, .infinity, -.infinity, .nan, Double.greatestFiniteMagnitude] {
            _ = Timeframe.oneMinute.start(of: t)
        }
        #expect(Timeframe.oneMinute.start(of: 125.5) == 120)
        #expect(Timeframe.oneMinute.start(of: -0.5) == -60)
    }

    @Test("a pipeline fed absurd frames keeps running and archives only sane ticks")
    func pipelineSurvives() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.archive = ArchiveConfiguration(directory: dir.path, collect: .both)
        let pipeline = try MarketPipeline(configuration: config, logger: Logger(label: "test.hostile"))
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        var encoder = CDPFrameEncoder()
        var lines: [UInt8] = []
        for (i, time) in [1_756_866_774.0, 1e300, -1e300, 1e19, 1_756_866_775.0].enumerated() {
            encoder.updateStream(
                requestId: "1.1", timestamp: Double(i), ticks: [(asset: "EURUSD_otc", time: time, price: 1.1)],
                into: &lines)
        }
        for line in lines.split(separator: 0x0A) {
            let padded = Array(line) + [UInt8](repeating: 0, count: 64)
            padded.withUnsafeBytes {
                feeder.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<line.count]), readable: $0.count)
            }
        }
        let summary = try pipeline.finish()
        #expect(summary.counters.ticks == 2)
        #expect(feeder.decodeStats.malformed(.absurdValue) == 3)
        #expect(summary.archive?.ticks == 2)
        #expect(dir.chunks(openOnly: true).isEmpty)
    }

    /// Collects the candle events of one asset (engine thread; read after `finish()`).
    final class EventLog: PipelineSink, @unchecked Sendable {
        var events: [CandleEvent] = []
        func pipeline(candleEvents: [CandleEvent]) { events += candleEvents }
        func pipeline(chart: ChartFocus) {}
    }

    /// 2099-01-01T00:00:00Z.
    static let year2099 = 4_070_908_800.0

    /// The live path (a source feeding CDP lines, as Chrome and the demo do): one tick dated 2099
    /// and one three days ahead of the stream amid normal ticks. Before, the 2099 tick was taken
    /// and every later update of the asset stopped (late ticks dropped).
    @Test(
        "a live tick dated 2099 or far ahead of the stream is refused and counted; the asset's updates continue; nothing absurd is archived, kept or served"
    )
    func futureTickInLiveStream() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.archive = ArchiveConfiguration(directory: dir.path, collect: .tick)
        let log = EventLog()
        let pipeline = try MarketPipeline(configuration: config, sink: log, logger: Logger(label: "test.hostile"))
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        let t0 = 1_756_866_774.0
        var times = (0..<40).map { t0 + Double($0) }
        times += [Self.year2099, t0 + 40, t0 + 3 * 86_400]
        times += (41..<200).map { t0 + Double($0) }
        var encoder = CDPFrameEncoder()
        var lines: [UInt8] = []
        for (i, time) in times.enumerated() {
            encoder.updateStream(
                requestId: "1.1", timestamp: Double(i),
                ticks: [(asset: "EURUSD_otc", time: time, price: 1.1 + Double(i) * 1e-5)],
                into: &lines)
        }
        for line in lines.split(separator: 0x0A) {
            let padded = Array(line) + [UInt8](repeating: 0, count: 64)
            padded.withUnsafeBytes {
                feeder.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<line.count]), readable: $0.count)
            }
        }
        let metrics = PipelineDataSource(pipeline: pipeline, archiveDirectory: nil, source: nil)
        let summary = try pipeline.finish()
        #expect(feeder.decodeStats.malformed(.absurdValue) == 1)
        #expect(summary.candles.aheadOfStream == 1)
        #expect(summary.candles.lateDropped == 0)
        // Every sane tick updated its candle: the updates did not stop at the refused ticks.
        let updates = log.events.filter { if case .updated = $0 { true } else { false } }
        #expect(updates.count == 200)
        #expect(updates.last?.candle.start == Timeframe.oneMinute.start(of: t0 + 199))
        #expect(log.events.allSatisfy { $0.candle.start < Int64(t0) + 86_400 })
        let served = pipeline.recent.candles(
            asset: try #require(pipeline.assets.lookup("EURUSD_otc")), timeframe: .oneMinute)
        #expect(!served.isEmpty && served.allSatisfy { $0.start < Int64(t0) + 86_400 })
        let archived = try dir.chunks().flatMap { try ArchiveReader().read($0).ticks }
        #expect(archived.count == 200)
        #expect(archived.allSatisfy { $0.time >= t0 && $0.time < t0 + 200 })
        let text = metrics.metricsText()
        #expect(text.contains("qflux_absurd_values_total 1"), "\(text)")
        #expect(text.contains("qflux_ticks_ahead_of_stream_total 1"), "\(text)")
    }

    /// One binary event (header text frame + attachment) whose attachment text is given verbatim,
    /// so it can hold tokens no Double prints (`1e999`).
    static func event(
        _ name: String, _ body: String, into out: inout [UInt8], encoder: inout CDPFrameEncoder, at time: Double
    ) {
        encoder.frame(
            requestId: "1.1", timestamp: time, opcode: 1,
            payload: Array("451-[\"\(name)\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        encoder.frame(requestId: "1.1", timestamp: time + 0.0001, opcode: 2, payload: Array(body.utf8), into: &out)
    }

    /// The replay path, with the real binary: a crafted capture holding absurd times and prices
    /// (1e308, -1e308, 1e999, 0, negative, 2099) in live ticks, history ticks and history candles,
    /// and one live tick three days ahead of the stream. Each is counted in the summary; the
    /// candles printed and the archive hold none of them, and the asset's candles go on closing.
    @Test("replay of a capture with absurd values: each counted, none printed or archived, candles continue")
    func replayRefusesAbsurdValues() throws {
        let binary = try #require(qfluxBinaryPath(), "no built qflux binary: run swift build --build-tests first")
        let t0 = 1_756_866_720.0  // a minute boundary
        var encoder = CDPFrameEncoder()
        var capture: [UInt8] = []
        var clock = 1.0
        func live(_ tuples: String) {
            clock += 1
            Self.event("updateStream", "[\(tuples)]", into: &capture, encoder: &encoder, at: clock)
        }
        let history =
            #"{"asset":"EURUSD_otc","period":60,"history":[[\#(t0 - 30),1.1],[1e308,1.1],[\#(Self.year2099),1.1],[\#(t0 - 20),-1]],"#
            + #""candles":[[\#(t0 - 120),1.1,1.2,1.3,1.0,5],[\#(Self.year2099),1.1,1.2,1.3,1.0,5],[\#(t0 - 60),1.1,1e308,1.0,1.05,5]]}"#
        Self.event("updateHistoryNewFast", history, into: &capture, encoder: &encoder, at: clock)
        // Absurd live ticks, one per frame (a token the JSON parser refuses costs its frame).
        let absurd = [
            "1e308,1.1", "-1e308,1.1", "1e999,1.1", "\(t0 + 1),0", "\(t0 + 1),-1.5", "\(t0 + 1),1e308",
            "\(Self.year2099),1.1", "-5,1.1",
        ]
        var minute = 0
        for (i, tuple) in absurd.enumerated() {
            live(#"["EURUSD_otc",\#(t0 + Double(i)),1.1]"#)
            live(#"["EURUSD_otc",\#(tuple)]"#)
        }
        live(#"["EURUSD_otc",\#(t0 + 3 * 86_400),1.1]"#)  // ahead of the stream: refused by the former
        for m in 1...3 {
            minute = m
            live(#"["EURUSD_otc",\#(t0 + Double(60 * m)),1.2],["EURUSD_otc",\#(t0 + Double(60 * m) + 30),1.21]"#)
        }
        let file = TempDir()
        let path = file.path + "/hostile.cdp.jsonl"
        try Data(capture).write(to: URL(fileURLWithPath: path))
        let archive = TempDir()
        let run = try runProcess(
            binary, ["replay", path, "--print", "candles", "--data-dir", archive.path, "--collect-stream", "both"],
            timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        // 5 history values + 8 live ticks, each refused as absurd_value or (its frame) as payload_shape.
        #expect(run.stderr.contains("malformed: 13 ("), "\(run.stderr)")
        #expect(run.stderr.contains("1 ticks ahead of the stream refused"), "\(run.stderr)")
        let printed = run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let starts = printed.compactMap { ($0["time"] as? NSNumber)?.doubleValue }
        #expect(starts.count == printed.count && !starts.isEmpty, "\(run.stdout)")
        #expect(starts.allSatisfy { $0 >= t0 - 120 && $0 <= t0 + Double(60 * minute) }, "\(starts)")
        #expect(starts.contains(t0 + Double(60 * minute)), "the last minute's candle is missing: \(starts)")
        for key in ["open", "high", "low", "close"] {
            #expect(
                printed.allSatisfy {
                    (($0[key] as? NSNumber)?.doubleValue ?? 0) > 0.5 && (($0[key] as? NSNumber)?.doubleValue ?? 9) < 2
                })
        }
        let reader = try ArchiveReader()
        let chunks = try archive.chunks().map { try reader.read($0) }
        let ticks = chunks.flatMap(\.ticks)
        #expect(ticks.count == absurd.count + 6)
        #expect(ticks.allSatisfy { $0.time >= t0 && $0.time <= t0 + 210 && $0.price > 1 && $0.price < 2 })
        let candles = chunks.flatMap(\.candles)
        #expect(
            !candles.isEmpty
                && candles.allSatisfy { $0.start >= Int64(t0) - 120 && $0.start <= Int64(t0) + 180 && $0.high < 2 })
    }
}

/// The live Chrome path end to end: the fake broker's page (Scripts/fake_broker.py) receives absurd
/// market data over its WebSocket (`/control/hostile`): 8 live ticks (1e308, -1e308, 1e999, price 0,
/// -1.5 and 1e308, 2099, time -5), a history with 5 absurd values, a history page with 1, and a
/// tick an hour ahead of the stream. Real headless Chromium shows the page; `qflux stream` reads
/// it over CDP. Every one is counted in /metrics; the candles served and the ticks archived are
/// exactly those of the broker's record (which holds only the sane ticks).
@Suite(
    "Hostile live data through Chrome", .serialized,
    .enabled(if: Dependency.chromium, Dependency.needsChromium), .enabled(if: Dependency.python, Dependency.needsPython)
)
struct HostileChromeTests {
    /// A metric's value in `/metrics` of the stream at `port`, or nil.
    static func metric(_ name: String, port: Int) -> Int? {
        guard
            let r = try? HTTPGet.get(
                address: "127.0.0.1", port: port, hostHeader: "127.0.0.1:\(port)", path: "/metrics",
                connectTimeout: 1, timeout: 3)
        else { return nil }
        let text = String(decoding: r.body, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
            Int($0.split(separator: " ").last ?? "")
        }
    }

    @Test(
        "absurd values and a tick far ahead, live through Chrome: counted in /metrics; the candles served and the ticks archived hold none"
    )
    func absurdLiveData() throws {
        let browser = try #require(Dependency.chromiumPath)
        let broker = try FakeBroker()
        let cdpPort = freeLocalPort()
        let dir = TempDir()
        let stream = try makeChromeStream(
            cdpPort: cdpPort, archive: ArchiveConfiguration(directory: dir.path, collect: .tick))
        try stream.start()
        var running = true
        defer { if running { _ = try? stream.stop() } }
        let chrome = try #require(stream.source as? ChromeSource)
        let client = try StreamClient(port: stream.port)
        let chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL()])
        defer { chromium.kill() }
        try #require(
            waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 },
            "never attached: \(chromium.child.log.suffix(800))")

        broker.control("release")
        #expect(waitUntil(20) { broker.state("ticks") >= 100 })
        let malformedBefore = try #require(Self.metric("qflux_malformed_input_total", port: stream.port))
        broker.control("hostile")
        #expect(waitUntil(20) { broker.state("hostile") == 1 })
        #expect(
            waitUntil(20) {
                (Self.metric("qflux_malformed_input_total", port: stream.port) ?? 0) >= malformedBefore + 14
            },
            "malformed \(Self.metric("qflux_malformed_input_total", port: stream.port) ?? -1), before \(malformedBefore)"
        )
        #expect(waitUntil(20) { Self.metric("qflux_ticks_ahead_of_stream_total", port: stream.port) == 1 })
        #expect(waitUntil(20) { broker.state("ticks") >= 300 })
        broker.control("hold")
        #expect(waitUntil(45) { stream.counters.ticks >= broker.state("ticks") + 1 })
        // A second generation: the client has subscribed to every asset by now (see ChromeStreamTests).
        broker.control("release")
        let before = broker.state("ticks")
        #expect(waitUntil(20) { broker.state("ticks") >= before + 200 })
        broker.control("hold")
        let sent = broker.state("ticks")
        #expect(
            waitUntil(45) { stream.counters.ticks >= sent + 1 },
            "qflux got \(stream.counters.ticks) of \(sent) ticks (+1 ahead)")
        // 1e999 is no JSON number: its frame is a payload-shape error; the other 13 reach the range check.
        #expect(Self.metric("qflux_malformed_input_total", port: stream.port) == malformedBefore + 14)
        let absurd = Self.metric("qflux_absurd_values_total", port: stream.port) ?? -1
        #expect(absurd == 13 || absurd == 14, "qflux_absurd_values_total \(absurd)")
        let sentTicks = try broker.ticks()
        #expect(
            waitUntil(20) { client.hasUpdatesOfLastMinute(sentTicks, assets: ["EURUSD_otc"]) },
            "the client never got the candle of the last EURUSD_otc tick: \(client.child.log.suffix(800))")
        let result = try client.finish()
        let summary = try stream.stop()
        running = false
        chromium.kill()

        let ticks = try broker.ticks()
        #expect(summary.counters.ticksAheadOfStream == 1)
        #expect(
            summary.archive?.ticks == ticks.count,
            "archived \(summary.archive?.ticks ?? -1) of \(ticks.count) sane ticks")
        let archived = try dir.chunks().flatMap { try ArchiveReader().read($0).ticks }
        let sane = Set(ticks.map { "\($0.time) \($0.price)" })
        #expect(
            archived.count == ticks.count && archived.allSatisfy { sane.contains("\($0.time) \($0.price)") },
            "the archive holds a tick the broker did not record as sane")
        // Every candle_update served equals a candle of the recorded (sane) ticks.
        let updates = try #require(result["updates"] as? [[String: Any]])
        let seen = expectCandlesMatchRecord(updates, ticks)
        #expect(seen["EURUSD_otc"]?.contains(2) == true, "EURUSD_otc's updates stopped: \(seen)")
    }
}
