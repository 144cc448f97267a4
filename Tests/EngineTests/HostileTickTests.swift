import Archive
@testable import Candles
@testable import Engine
import FastDecode
import Foundation
import Logging
import Testing

/// A broker tick at `1e300` once trapped converting to Int64 and took the whole pipeline down.
@Suite("Hostile ticks never crash the engine")
struct HostileTickTests {
    @Test("the candle former ignores and counts ticks outside MarketLimits",
          arguments: [1e300, -1e300, 1e19, -1, .infinity, -.infinity, .nan])
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
            encoder.updateStream(requestId: "1.1", timestamp: Double(i), ticks: [(asset: "EURUSD_otc", time: time, price: 1.1)],
                                 into: &lines)
        }
        for line in lines.split(separator: 0x0A) {
            let padded = Array(line) + [UInt8](repeating: 0, count: 64)
            padded.withUnsafeBytes { feeder.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<line.count]), readable: $0.count) }
        }
        let summary = try pipeline.finish()
        #expect(summary.counters.ticks == 2)
        #expect(feeder.decoder.stats.malformed(.absurdValue) == 3)
        #expect(summary.archive?.ticks == 2)
        #expect(dir.chunks(openOnly: true).isEmpty)
    }
}
