import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

@Suite("Archive round trips")
struct ArchiveRoundTripTests {
    @Test("seeded random ticks over several assets come back bit-identical, rotated by count")
    func ticksRoundTrip() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = ["EURUSD_otc", "#AAPL", "ADA-USD_otc", "EUR/USD weird"].map(assets.register)
        var ticks = ArchiveTestData.randomWalk(assets: ids, count: 2_000, seed: 7)
        // odd times and prices on one asset: seconds, ms, µs, irregular, raw
        var rng = SeededRNG(seed: 99)
        var t = 1_756_866_000.0
        for (i, v) in ArchiveTestData.oddDoubles.enumerated() {
            t += [1, 0.001, 0.000001, 0.37, 1e-7][i % 5]
            ticks.append(Tick(asset: ids[1], time: t, price: v))
            ticks.append(Tick(asset: ids[1], time: v, price: Double.random(in: 0..<1000, using: &rng)))
        }
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .both, tickChunkSize: 100),
            assets: assets, logger: ArchiveTestData.logger)
        for (i, tick) in ticks.enumerated() {
            try writer.append(tick)
            if i % 37 == 0 { try writer.flushIfDue(now: Double(i)) }
        }
        try writer.close()
        #expect(writer.statistics.ticks == ticks.count)
        #expect(writer.statistics.errors == 0)
        #expect(dir.chunks(openOnly: true).isEmpty)

        let reader = try ArchiveReader()
        var got: [String: [TickRecord]] = [:]
        var chunkCount = 0
        // Write order within one writer run is the sequence number (names sort by first time,
        // and the odd times here start chunks at 1970 or 1e300).
        let bySequence = dir.chunks().sorted { $0.suffix(15) < $1.suffix(15) }
        for path in bySequence {
            let chunk = try reader.read(path)
            #expect(chunk.summary.condition == .complete, "\(path)")
            #expect(chunk.summary.header.kind == .ticks)
            #expect(chunk.ticks.count <= 100)
            got[chunk.summary.header.asset, default: []] += chunk.ticks
            chunkCount += 1
        }
        for id in ids {
            let name = assets.name(of: id)
            let want = ticks.filter { $0.asset == id }
            let have = got[name] ?? []
            #expect(have.count == want.count, "\(name)")
            for (a, b) in zip(want, have) {
                #expect(
                    a.time.bitPattern == b.time.bitPattern && a.price.bitPattern == b.price.bitPattern,
                    "\(name): \(a.time) \(a.price) → \(b.time) \(b.price)")
            }
        }
        #expect(chunkCount == ids.map { id in (ticks.filter { $0.asset == id }.count + 99) / 100 }.reduce(0, +))
        #expect(dir.chunks().contains { $0.contains("/%23AAPL/ticks/%23AAPL_ticks_") })
    }

    @Test("candles of several timeframes, including revisions and odd prices, round-trip exactly")
    func candlesRoundTrip() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = ["EURUSD_otc", "GBPUSD_otc"].map(assets.register)
        var rng = SeededRNG(seed: 3)
        var candles: [Candle] = []
        for tf in [Timeframe(seconds: 60), Timeframe(seconds: 300)] {
            for id in ids {
                var p = 1.08123
                for i in 0..<250 {
                    let o = p, c = (p + Double(Int.random(in: -30...30, using: &rng)) / 1e5)
                    let h = max(o, c) + Double(Int.random(in: 0...9, using: &rng)) / 1e5
                    let l = min(o, c) - Double(Int.random(in: 0...9, using: &rng)) / 1e5
                    p = c
                    let odd = ArchiveTestData.oddDoubles[i % ArchiveTestData.oddDoubles.count]
                    candles.append(
                        Candle(
                            asset: id, timeframe: tf, start: 1_756_866_000 + Int64(i * tf.seconds),
                            open: i % 17 == 0 ? odd : o, high: h, low: l, close: c,
                            ticks: Int.random(in: 0...200, using: &rng)))
                }
            }
        }
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .candle, candleChunkSize: 64),
            assets: assets, logger: ArchiveTestData.logger)
        for c in candles { try writer.append(c) }
        try writer.append(Tick(asset: ids[0], time: 1, price: 1))  // not collected
        try writer.close()
        #expect(writer.statistics.candles == candles.count && writer.statistics.ticks == 0)

        let reader = try ArchiveReader()
        var got: [String: [CandleRecord]] = [:]
        for path in dir.chunks() {
            let chunk = try reader.read(path)
            #expect(chunk.summary.condition == .complete)
            #expect(chunk.candles.count <= 64)
            got["\(chunk.summary.header.asset)/\(chunk.summary.header.timeframeSeconds)", default: []] += chunk.candles
        }
        var index: [String: Int] = [:]
        for c in candles {
            let key = "\(assets.name(of: c.asset))/\(c.timeframe.seconds)"
            let i = index[key, default: 0]
            index[key] = i + 1
            let r = try #require(got[key].map { i < $0.count ? $0[i] : nil } ?? nil)
            #expect(
                r.start == c.start && r.ticks == c.ticks
                    && r.open.bitPattern == c.open.bitPattern && r.high.bitPattern == c.high.bitPattern
                    && r.low.bitPattern == c.low.bitPattern && r.close.bitPattern == c.close.bitPattern)
        }
        #expect(
            dir.chunks().contains { $0.hasSuffix(".qfa.lz4") && $0.contains("/candles_5m/EURUSD_otc_candles_5m_2025") })
    }

    @Test(
        "every chunk passes the stock lz4 -t; lz4 -d output starts with the header",
        .enabled(if: Dependency.lz4, Dependency.needsLZ4))
    func stockLZ4Accepts() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = ["EURUSD_otc", "GBPUSD_otc", "#AAPL"].map(assets.register)
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, tickChunkSize: 500),
            assets: assets, logger: ArchiveTestData.logger)
        for (i, t) in ArchiveTestData.randomWalk(assets: ids, count: 4_000, seed: 11).enumerated() {
            try writer.append(t)
            try writer.flushIfDue(now: Double(i) / 100)
        }
        try writer.close()
        let chunks = dir.chunks()
        #expect(chunks.count == 3 * 3)
        for path in chunks {
            let (status, output) = try ArchiveTestData.run(Dependency.lz4Binary, ["-t", path])
            #expect(status == 0, "\(path): \(output)")
        }
        let (status, _) = try ArchiveTestData.run(Dependency.lz4Binary, ["-d", "-f", chunks[0], dir.path + "/out.bin"])
        #expect(status == 0)
        let decoded = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out.bin"))
        #expect(decoded.prefix(4) == Data("QFAR".utf8))
    }

    @Test("bytes per tick on a realistic random-walk stream")
    func bytesPerTick() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = (0..<15).map { assets.register("ASSET\($0)_otc") }
        let ticks = ArchiveTestData.randomWalk(assets: ids, count: 150_000, seed: 5)
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick),
            assets: assets, logger: ArchiveTestData.logger)
        // Replay speed: the engine loop flushes once a second of wall time, here every 10 000 ticks.
        for (i, t) in ticks.enumerated() {
            try writer.append(t)
            if i % 10_000 == 0 { try writer.flushIfDue(now: Double(i / 10_000)) }
        }
        try writer.close()
        let bytes = dir.chunks().reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0)
        }
        let perTick = Double(bytes) / Double(ticks.count)
        print("archive: \(ticks.count) ticks, \(bytes) bytes on disk, \(perTick) bytes per tick")
        #expect(perTick <= 2.5)  // issue 14's target (format 1: ~3.0)
        #expect(writer.statistics.bytesWritten == bytes)
    }
}
