import Candles
import Engine
import FastDecode
import Foundation
import Indicators
import Logging
import Testing

@testable import Archive

/// The index scan on several threads, keeping candle records (`qflux indicators` / `backtest`
/// from an archive read every chunk once): the same index as one thread, the kept records those
/// of the chunks, and the same candles through the loader.
@Suite("Archive index scan on several threads, candles kept")
struct ArchiveIndexScanTests {
    /// An archive of many small chunks: 1,000 one-minute candles of `MANY_otc` in chunks of 5
    /// (200 chunks), beside the poisoned archive (candles with absurd records, ticks), and a
    /// chunk-named file that is no chunk.
    static func write(_ data: String) throws {
        _ = try PoisonedArchive.write(data)
        let assets = AssetDirectory()
        let asset = assets.register("MANY_otc")
        var config = ArchiveConfiguration(directory: data, collect: .candle, candleChunkSize: 5)
        config.fsyncOnClose = false
        let writer = try ArchiveWriter(configuration: config, assets: assets, logger: Logger(label: "test.scan"))
        var price = 1.2
        for i in 0..<1000 {
            let open = price
            price = ((price + Double(i % 7 - 3) * 0.0001) * 1e5).rounded() / 1e5
            try writer.append(
                Candle(
                    asset: asset, timeframe: Timeframe(seconds: 60), start: 1_756_000_000 + Int64(i) * 60, open: open,
                    high: max(open, price) + 0.0001, low: min(open, price) - 0.0001, close: price, ticks: 3))
        }
        try writer.close()
        try Data("not a chunk".utf8).write(to: URL(fileURLWithPath: data + "/MANY_otc/zz_0.qfa.lz4"))
    }

    /// A record's fields as bits (the poisoned chunk holds NaNs, never equal to themselves).
    static func bits(_ c: CandleRecord) -> [UInt64] {
        [
            UInt64(bitPattern: c.start), c.open.bitPattern, c.high.bitPattern, c.low.bitPattern, c.close.bitPattern,
            UInt64(bitPattern: Int64(c.ticks)),
        ]
    }

    static func withArchive(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-scan-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        try write(data)
        try body(data)
    }

    /// Test: 1, 2 and 3 threads give the one-thread index (chunks, failures, series in order);
    /// every candle chunk's kept records are the chunk's records.
    @Test("the same index on several threads; kept records are the chunks' records")
    func sameIndex() throws {
        try Self.withArchive { data in
            let one = try ArchiveIndex.scan(directory: data)
            #expect(one.chunks.count > 200)
            #expect(one.unreadable.count == 1)
            #expect(one.keptCandles.isEmpty)
            let reader = try ArchiveReader()
            for threads in [1, 2, 3] {
                let index = try ArchiveIndex.scan(directory: data, keepingCandles: .max, threads: threads)
                #expect(index.chunks.map(\.path) == one.chunks.map(\.path))
                #expect(index.chunks.map(\.records) == one.chunks.map(\.records))
                #expect(index.unreadable.map(\.path) == one.unreadable.map(\.path))
                #expect(index.series.map(\.asset) == one.series.map(\.asset))
                #expect(index.series.map { $0.chunks.map(\.path) } == one.series.map { $0.chunks.map(\.path) })
                let candleChunks = index.chunks.filter { $0.header.kind == .candles }
                #expect(index.keptCandles.count == candleChunks.count)
                for chunk in candleChunks {
                    let kept = index.keptCandles[chunk.path].map { $0.map(Self.bits) }
                    #expect(kept == (try reader.read(chunk.path)).candles.map(Self.bits))
                }
            }
        }
    }

    /// Test: kept records stay within the limit; chunks past it are not kept.
    @Test("kept records stay within the limit")
    func keptWithinLimit() throws {
        try Self.withArchive { data in
            for (limit, threads) in [(0, 2), (1, 1), (52, 2), (333, 3)] {
                let index = try ArchiveIndex.scan(directory: data, keepingCandles: limit, threads: threads)
                let kept = index.keptCandles.values.reduce(0) { $0 + $1.count }
                #expect(kept <= limit)
                if limit >= 52 { #expect(kept > 0) }
            }
        }
    }

    /// Test: the loader on several threads gives the one-thread loader's candles and skipped
    /// count: stored candles of many chunks, stored candles with absurd records, resampled.
    @Test(
        "the loader on several threads: the same candles",
        arguments: [
            ("MANY_otc", nil), ("MANY_otc", "5m"), (PoisonedArchive.candleAsset, nil),
            (PoisonedArchive.tickAsset, "1m"),
        ] as [(String, String?)])
    func sameCandles(_ asset: String, _ timeframe: String?) throws {
        try Self.withArchive { data in
            let tf = timeframe.flatMap { Timeframe(parsing: $0) }
            let one = try AnalysisCandleLoader.archive(data, asset: asset, timeframe: tf, threads: 1)
            let (expected, skipped) = try AnalysisArchiveColumnsTests.throughCSV(data, asset: asset, timeframe: tf)
            #expect(!expected.isEmpty)
            #expect(one.candles == expected)
            for threads in [2, 3] {
                let loaded = try AnalysisCandleLoader.archive(data, asset: asset, timeframe: tf, threads: threads)
                #expect(loaded.candles == expected)
                #expect(loaded.skippedAbsurd == skipped)
                #expect(loaded.damaged == one.damaged)
            }
        }
    }
}
