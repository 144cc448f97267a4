import Candles
import Engine
import FastDecode
import Foundation
import Indicators
import Logging
import Testing

@testable import Archive

/// Stored candles of the timeframe reach `qflux indicators` / `backtest` as whole runs
/// (`ArchiveExporter(…, runs:…)`), turned into columns on several threads
/// (`CandleColumns(runs:threads:)`); before, every candle went through a call of its own and was
/// appended on one thread. Both roads must give the same candles, bit for bit, the same counts
/// and the same failures – and where candles are formed or filtered, the runs are not used.
@Suite("Archive candles in runs")
struct AnalysisArchiveRunsTests {
    /// An archive of `MANY_otc` in chunks of 7 candles: `count` candles of `timeframe` seconds
    /// (aligned to it, as the candle former writes them), then the `extra` ones as written
    /// (revisions, out-of-order candles).
    static func write(
        _ data: String, count: Int, timeframe: Int = 60, extra: [(start: Int64, close: Double)] = []
    ) throws {
        let assets = AssetDirectory()
        let asset = assets.register("MANY_otc")
        var config = ArchiveConfiguration(directory: data, collect: .candle, candleChunkSize: 7)
        config.fsyncOnClose = false
        let writer = try ArchiveWriter(configuration: config, assets: assets, logger: Logger(label: "test.runs"))
        var price = 1.2
        func candle(_ start: Int64, _ close: Double) -> Candle {
            Candle(
                asset: asset, timeframe: Timeframe(seconds: timeframe), start: start, open: price,
                high: max(price, close) + 0.0001, low: min(price, close) - 0.0001, close: close, ticks: 3)
        }
        for i in 0..<count {
            let close = ((price + Double(i % 7 - 3) * 0.0001) * 1e5).rounded() / 1e5
            try writer.append(candle(1_755_999_960 + Int64(i * timeframe), close))
            price = close
        }
        for (start, close) in extra { try writer.append(candle(start, close)) }
        try writer.close()
    }

    /// The old road: every candle through the exporter's per-candle callback, appended to
    /// columns one by one (what the loader did before the runs).
    static func oneByOne(_ data: String, options: ExportOptions) throws -> (CandleColumns, ExportSummary) {
        var columns = CandleColumns()
        let summary = try ArchiveExporter(
            directory: data, options: options, threads: 2,
            count: { columns.reserveCapacity(columns.count + $0) },
            candles: { c in
                columns.append(
                    timestamp: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close, volume: 1000)
            }
        ).run()
        return (columns, summary)
    }

    /// The new road through the exporter: runs where it gives them, single candles otherwise.
    static func inRuns(_ data: String, options: ExportOptions) throws -> (CandleColumns, ExportSummary, runs: Int) {
        var columns = CandleColumns()
        var runCalls = 0
        let summary = try ArchiveExporter(
            directory: data, options: options, threads: 2,
            runs: { runs in
                runCalls += 1
                columns.append(contentsOf: CandleColumns(runs: runs, threads: 2))
            },
            candles: { c in
                columns.append(
                    timestamp: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close, volume: 1000)
            }
        ).run()
        return (columns, summary, runCalls)
    }

    static func bits(_ c: CandleColumns) -> [[UInt64]] {
        [c.timestamps, c.opens, c.highs, c.lows, c.closes, c.volumes].map { $0.map(\.bitPattern) }
    }

    /// Test: in order (the index scan's runs as they are), with revised candles (the last record
    /// of a start wins) and out of order: the runs give the one-by-one candles, and the loader
    /// gives them too.
    @Test(
        "stored candles: the same candles in runs",
        arguments: ["in order", "revised", "out of order"])
    func storedCandles(_ shape: String) throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        let base: Int64 = 1_755_999_960
        let extra: [(start: Int64, close: Double)] =
            switch shape {
            case "revised": [(base + 60 * 10, 1.25), (base + 60 * 200, 1.26), (base + 60 * 10, 1.27)]
            case "out of order": [(base - 60 * 5, 1.19), (base + 60 * 450, 1.21), (base + 60 * 400, 1.22)]
            default: []
            }
        try Self.write(data, count: 300, extra: extra)
        let options = ExportOptions(kind: .candles, format: .csv, time: .epoch)
        let (expected, old) = try Self.oneByOne(data, options: options)
        let (columns, summary, runs) = try Self.inRuns(data, options: options)
        #expect(expected.count == 300 + (shape == "out of order" ? 3 : 0))
        #expect(runs == 1)
        #expect(Self.bits(columns) == Self.bits(expected))
        #expect(summary.rows == old.rows)
        #expect(summary.chunks == old.chunks)
        #expect(summary.assets == old.assets)
        let loaded = try AnalysisCandleLoader.archive(data, asset: nil, timeframe: nil, threads: 2)
        #expect(Self.bits(loaded.columns) == Self.bits(expected))
        #expect(loaded.label.contains("(MANY_otc, "))
    }

    /// Test: where the runs must not be used – candles formed from 30 s candles, and a --from /
    /// --to window – the candles come one by one, the same as before.
    @Test("formed or filtered candles: one by one, as before")
    func notInRuns() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        try Self.write(data, count: 301, timeframe: 30)
        var formed = ExportOptions(kind: .candles, format: .csv, time: .epoch)
        formed.timeframe = .oneMinute
        var window = ExportOptions(kind: .candles, format: .csv, time: .epoch)
        window.from = 1_755_999_960 + 30 * 40
        window.to = 1_755_999_960 + 30 * 200
        for options in [formed, window] {
            let (expected, old) = try Self.oneByOne(data, options: options)
            let (columns, summary, runs) = try Self.inRuns(data, options: options)
            #expect(!expected.isEmpty)
            #expect(runs == 0)
            #expect(Self.bits(columns) == Self.bits(expected))
            #expect(summary.rows == old.rows)
        }
    }

    /// Test: absurd records among stored candles are skipped and counted the same way, damage
    /// is reported the same way.
    @Test("absurd records: the same candles and the same count")
    func absurd() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        try PoisonedArchive.write(data)
        let options = ExportOptions(kind: .candles, asset: PoisonedArchive.candleAsset, format: .csv, time: .epoch)
        let (expected, old) = try Self.oneByOne(data, options: options)
        let (columns, summary, _) = try Self.inRuns(data, options: options)
        #expect(expected.count == PoisonedArchive.saneCandles)
        #expect(Self.bits(columns) == Self.bits(expected))
        #expect(summary.skippedAbsurd == old.skippedAbsurd)
        #expect(summary.skippedAbsurd == PoisonedArchive.absurdCandles.count)
        #expect(summary.damaged == old.damaged)
    }

    /// Test: runs of any sizes (empty ones among them) on 1 to 4 threads: the columns of the
    /// records in order, volume 1000.
    @Test("columns from runs on any number of threads")
    func columnsFromRuns() {
        var state: UInt64 = 3
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        var runs: [[CandleRecord]] = []
        var start: Int64 = 1_755_999_960
        for _ in 0..<400 {
            runs.append(
                (0..<next(200)).map { _ in
                    start += 60
                    let p = 1 + Double(next(100_000)) / 1e5
                    return CandleRecord(start: start, open: p, high: p + 0.001, low: p - 0.001, close: p, ticks: 1)
                })
        }
        var expected = CandleColumns()
        for c in runs.joined() {
            expected.append(
                timestamp: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close, volume: 1000)
        }
        #expect(expected.count > 2 * CandleColumns.minimumRecordsPerThread)
        for threads in 1...4 {
            #expect(Self.bits(CandleColumns(runs: runs, threads: threads)) == Self.bits(expected), "\(threads)")
        }
        #expect(CandleColumns(runs: [], threads: 2).isEmpty)
        #expect(CandleColumns(runs: [[], []], threads: 2).isEmpty)
    }
}
