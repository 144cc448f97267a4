import Candles
import FastDecode
import Foundation
import Logging
import Ring
import Synchronization
import Testing
import ThreadSupport

@testable import Archive
@testable import Engine

/// The archive is a sink on its own thread: a slow disk delays the archive, never the stream.
@Suite("Archive sink off the engine thread")
struct ArchiveSinkTests {
    /// Records when each batch of candle events reached the sink (engine thread).
    final class TimedSink: PipelineSink, @unchecked Sendable {  // written on the engine thread, read after finish()
        var batchTimes: [Double] = []
        var updates = 0
        func pipeline(candleEvents: [CandleEvent]) {
            batchTimes.append(monotonicNow())
            updates += candleEvents.count
        }
        func pipeline(chart: ChartFocus) {}
    }

    /// Feeds `count` ticks at `rate` per second (one tick per frame, like the demo) and returns
    /// the ticks sent.
    static func feedPaced(_ feeder: PipelineFeeder, count: Int, rate: Double) -> [Double] {
        var encoder = CDPFrameEncoder()
        var lines: [UInt8] = []
        var times: [Double] = []
        let start = monotonicNow()
        var t = 1_756_866_000.0
        for i in 0..<count {
            // Pace against the wall clock (never sleep-drift): the paced feed is the behaviour under test.
            let due = start + Double(i) / rate
            let wait = due - monotonicNow()
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            t += 0.1
            times.append(t)
            lines.removeAll(keepingCapacity: true)
            encoder.updateStream(
                requestId: "1.1", timestamp: t - 1_756_000_000,
                ticks: [(asset: "EURUSD_otc", time: t, price: 1.1 + Double(i % 97) / 1e4)], into: &lines)
            for line in lines.split(separator: 0x0A) {
                var padded = Array(line)
                padded += [UInt8](repeating: 0, count: 64)
                padded.withUnsafeBytes {
                    feeder.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<line.count]), readable: $0.count)
                }
            }
        }
        return times
    }

    @Test("every fsync 0.4 s slow: candle updates keep their spacing, the archive holds every tick")
    func slowDiskDoesNotStallTheStream() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.backpressure = .drop  // live
        config.timeframes = [Timeframe(seconds: 5)]
        var archive = ArchiveConfiguration(directory: dir.path, collect: .tick, tickChunkSize: 200, flushInterval: 0.2)
        archive.injectedSyncDelay = 0.4  // file + folder: 0.8 s per chunk close, a close every 0.5 s
        config.archive = archive
        let sink = TimedSink()
        var logger = Logger(label: "test.archive-sink")
        logger.logLevel = .critical
        let pipeline = try MarketPipeline(configuration: config, sink: sink, logger: logger)
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        let sent = Self.feedPaced(feeder, count: 1200, rate: 400)  // 3 s
        // While the disk lags, records wait for it (checked below, once the stream is done).
        let backlogWhileStreaming = pipeline.archiveBacklog
        let summary = try pipeline.finish()

        // The stream: one batch per tick at 400 ticks/s is 2.5 ms apart. A sink on the engine
        // thread would stall 0.8 s at every chunk close; allow generous noise for a shared machine.
        let gaps = zip(sink.batchTimes, sink.batchTimes.dropFirst()).map { $1 - $0 }
        let streamingGaps = gaps.dropLast()  // the last one spans finish()
        let worst = streamingGaps.max() ?? 0
        #expect(worst < 0.25, "largest gap between candle batches: \(worst) s")
        #expect(summary.counters.ticks == 1200)
        #expect(sink.updates >= 1200)

        // The archive: every tick, in order, nothing dropped, although it finished late.
        #expect(backlogWhileStreaming > 0, "the slow disk should have left records waiting")
        let archived = try readArchivedTicks(dir.path).perAsset["EURUSD_otc"] ?? []
        #expect(archived.count == 1200)
        #expect(archived.map(\.time) == sent)
        #expect(summary.archive?.ticks == 1200)
        #expect(summary.archive?.droppedRecords == 0)
        #expect(pipeline.archiveCounters?.dropped.load(ordering: .relaxed) == 0)
    }

    @Test("a full archive ring under live backpressure holds records back in order and loses none")
    func fullRingHoldsBack() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.backpressure = .drop
        var archive = ArchiveConfiguration(directory: dir.path, collect: .tick, tickChunkSize: 1000, flushInterval: 0.5)
        archive.injectedSyncDelay = 0.5  // each chunk close stalls the archive thread for 1 s
        config.archive = archive
        config.archiveRingCapacity = 64  // a small ring, so the stall fills it
        let pipeline = try MarketPipeline(configuration: config, logger: Logger(label: "test.archive-sink"))
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        // Ticks as fast as they go: far more than the archive ring holds while the disk is stuck.
        let count = 2500
        var encoder = CDPFrameEncoder()
        var lines: [UInt8] = []
        var t = 1_756_866_000.0
        for i in 0..<count {
            t += 0.001
            lines.removeAll(keepingCapacity: true)
            encoder.updateStream(
                requestId: "1.1", timestamp: 1,
                ticks: [(asset: "EURUSD_otc", time: t, price: 1 + Double(i % 13) / 1e4)],
                into: &lines)
            for line in lines.split(separator: 0x0A) {
                var padded = Array(line)
                padded += [UInt8](repeating: 0, count: 64)
                padded.withUnsafeBytes {
                    feeder.feed(line: UnsafeRawBufferPointer(rebasing: $0[0..<line.count]), readable: $0.count)
                }
            }
            // pacing the flood: the engine keeps up with the source ring (only the archive ring fills)
            if i % 256 == 0 { usleep(1000) }
        }
        let summary = try pipeline.finish()
        let counters = try #require(pipeline.archiveCounters)
        #expect(counters.spilled.load(ordering: .relaxed) > 0, "the ring never filled: the test did not stress it")
        #expect(counters.dropped.load(ordering: .relaxed) == 0)
        let ticks = summary.counters.ticks
        #expect(summary.archive?.ticks == ticks)
        let archived = try readArchivedTicks(dir.path).perAsset["EURUSD_otc"] ?? []
        #expect(archived.count == ticks)
        #expect(zip(archived, archived.dropFirst()).allSatisfy { $0.time < $1.time }, "ticks out of order")
    }
}
