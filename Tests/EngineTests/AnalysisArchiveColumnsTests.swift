import Candles
import Engine
import Foundation
import Indicators
import Testing

@testable import Archive

/// Candles for `qflux indicators` / `backtest` from an archive come from the exporter's records
/// straight into columns; before, the exporter's CSV text was parsed again. Both roads must give
/// the same candles, the same skipped count and the same failures.
@Suite("Archive candles straight into columns")
struct AnalysisArchiveColumnsTests {
    /// The old road: `qflux export --kind candles --time epoch` as CSV, read by the CSV reader.
    static func throughCSV(_ data: String, asset: String, timeframe: Timeframe?) throws -> ([AnalysisCandle], Int) {
        var options = ExportOptions(kind: .candles, asset: asset, format: .csv, time: .epoch)
        options.timeframe = timeframe
        var bytes: [UInt8] = []
        let summary = try ArchiveExporter(
            directory: data, options: options,
            sink: {
                bytes.append(contentsOf: $0); return true
            }
        ).run()
        return (try CandleCSV.parse(String(decoding: bytes, as: UTF8.self)), summary.skippedAbsurd)
    }

    /// Test: stored candles, candles resampled from stored candles and from ticks (with absurd
    /// records among them): the same candles, bit for bit, and the same skipped count.
    @Test(
        "the same candles as the CSV road",
        arguments: [
            (PoisonedArchive.candleAsset, nil), (PoisonedArchive.candleAsset, "5m"), (PoisonedArchive.tickAsset, "5s"),
            (PoisonedArchive.tickAsset, "1m"),
        ] as [(String, String?)])
    func sameCandles(_ asset: String, _ timeframe: String?) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-columns-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        try PoisonedArchive.write(data)
        let tf = timeframe.flatMap { Timeframe(parsing: $0) }
        let loaded = try AnalysisCandleLoader.archive(data, asset: asset, timeframe: tf)
        let (expected, skipped) = try Self.throughCSV(data, asset: asset, timeframe: tf)
        #expect(!expected.isEmpty)
        #expect(loaded.columns.count == expected.count)
        #expect(loaded.candles == expected)
        #expect(loaded.skippedAbsurd == skipped)
    }

    /// Test: an archive of several assets without --asset still fails with the same sentence.
    @Test("several assets without an asset: the same failure")
    func severalAssets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-columns-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        try PoisonedArchive.write(data)
        do {
            _ = try AnalysisCandleLoader.archive(data, asset: nil, timeframe: Timeframe(seconds: 60))
            Issue.record("loaded several assets")
        } catch {
            guard case let .message(text) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(
                text.contains("holds several assets (POISONTICK_otc, POISON_otc): choose one with --asset"), "\(text)")
        }
    }

    /// Test: stored candles written as read give what a dictionary by start and a sort gave: in
    /// order, out of order, revised (the last record of a start wins); misaligned starts refused.
    @Test("stored candles as read: the last record of each start, in start order")
    func lastPerStart() {
        var state: UInt64 = 9
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for shuffled in [false, true] {
            for revisions in [0, 50] {
                var records = (0..<500).map { i in
                    CandleRecord(start: 1_755_999_960 + Int64(i) * 60, open: 1, high: 2, low: 0.5, close: 1.5, ticks: i)
                }
                for k in 0..<revisions {
                    var r = records[Int(next() % 500)]
                    r.ticks = 10_000 + k
                    records.append(r)
                }
                if shuffled {
                    for i in records.indices.reversed() where i > 0 { records.swapAt(i, Int(next() % UInt64(i + 1))) }
                }
                var latest: [Int64: CandleRecord] = [:]
                for c in records { latest[c.start] = c }
                let expected = latest.keys.sorted().map { latest[$0]! }
                #expect(ArchiveExporter.lastPerStart(records, alignedTo: 60) == expected)
            }
        }
        let misaligned = [CandleRecord(start: 1_755_999_990, open: 1, high: 2, low: 0.5, close: 1.5, ticks: 1)]
        #expect(ArchiveExporter.lastPerStart(misaligned, alignedTo: 60) == nil)
    }
}
