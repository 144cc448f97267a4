import Candles
import Foundation
import Testing

@testable import Archive

/// An archive poisoned with absurd records, written below the archive writer's entry checks (as a
/// corrupted disk or an older qflux could leave it): chunk streams fed straight to the encoders.
enum PoisonedArchive {
    /// The candle asset: 300 sane 1m candles and ``absurdCandles`` among them.
    static let candleAsset = "POISON_otc"
    /// The tick asset: 2,000 sane ticks (0.5 s apart) and ``absurdTicks`` among them.
    static let tickAsset = "POISONTICK_otc"
    static let saneCandles = 300
    static let saneTicks = 2_000
    static let start: Int64 = 1_756_866_000

    /// Candle records no view may trap on: starts outside any calendar, prices ±1e308, NaN,
    /// infinities, zero and negative, negative and huge tick counts.
    static var absurdCandles: [CandleRecord] {
        let later = start + 1_000_000  // past the sane candles: nothing sane shares their start
        return [
            CandleRecord(start: .max, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: .min, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: -60, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: 9_000_000_000_000, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: later, open: 1e308, high: 1e308, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: later + 60, open: .nan, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: later + 120, open: 1.1, high: .infinity, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: later + 180, open: 1.1, high: 1.2, low: -.infinity, close: 1.1, ticks: 3),
            CandleRecord(start: later + 240, open: 1.1, high: 1.2, low: 1.0, close: -1e308, ticks: 3),
            CandleRecord(start: later + 300, open: 1.1, high: 1.2, low: 0, close: 1.1, ticks: 3),
            CandleRecord(start: later + 360, open: -1, high: 1.2, low: 1.0, close: 1.1, ticks: 3),
            CandleRecord(start: later + 420, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: -1),
            CandleRecord(start: later + 480, open: 1.1, high: 1.2, low: 1.0, close: 1.1, ticks: .max),
        ]
    }

    /// Tick records no view may trap on.
    static let absurdTicks: [TickRecord] = [
        TickRecord(time: 1e308, price: 1.1), TickRecord(time: -1e308, price: 1.1), TickRecord(time: .nan, price: 1.1),
        TickRecord(time: .infinity, price: 1.1), TickRecord(time: -.infinity, price: 1.1),
        TickRecord(time: -1, price: 1.1),
        TickRecord(time: 5e12, price: 1.1), TickRecord(time: 1e19, price: 1.1),
        TickRecord(time: 1_756_866_100, price: 1e308), TickRecord(time: 1_756_866_100, price: .nan),
        TickRecord(time: 1_756_866_100, price: .infinity), TickRecord(time: 1_756_866_100, price: 0),
        TickRecord(time: 1_756_866_100, price: -1), TickRecord(time: 1_756_866_100, price: -1e308),
        TickRecord(time: 1_756_866_100, price: 1e13),
    ]

    /// Writes both assets under `data`; returns the sane candles (in time order).
    @discardableResult
    static func write(_ data: String) throws -> [CandleRecord] {
        var stats = ArchiveWriterStatistics()
        var sane: [CandleRecord] = []
        var price = 1.08123
        var state: UInt64 = 7
        func step() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(state >> 54) - 512) / 1e6
        }
        let candles = ChunkStream(
            directory: data, asset: candleAsset, kind: .candles, timeframeSeconds: 60,
            chunkSize: 10_000, durable: false)
        try candles.open(firstTime: Double(start), stats: &stats)
        let poison = absurdCandles
        for i in 0..<saneCandles {
            let open = price
            price = ((price + step()) * 1e5).rounded() / 1e5
            let c = CandleRecord(
                start: start + Int64(i) * 60, open: open, high: max(open, price) + 0.00003,
                low: min(open, price) - 0.00002, close: price, ticks: 9)
            candles.candleEncoder.encode(c, into: candles.staged)
            sane.append(c)
            if i % 20 == 10, i / 20 < poison.count {
                candles.candleEncoder.encode(poison[i / 20], into: candles.staged)
            }
        }
        try candles.closeChunk(stats: &stats)

        let ticks = ChunkStream(
            directory: data, asset: tickAsset, kind: .ticks, timeframeSeconds: 0,
            chunkSize: 10_000, durable: false)
        try ticks.open(firstTime: Double(start), stats: &stats)
        for i in 0..<saneTicks {
            price = ((price + step() / 4) * 1e5).rounded() / 1e5
            ticks.tickEncoder.encode(time: Double(start) + Double(i) * 0.5, price: price, into: ticks.staged)
            if i % 100 == 50, i / 100 < absurdTicks.count - 1 {
                let t = absurdTicks[i / 100]
                ticks.tickEncoder.encode(time: t.time, price: t.price, into: ticks.staged)
            }
        }
        let last = absurdTicks[absurdTicks.count - 1]  // the chunk ends on an absurd record
        ticks.tickEncoder.encode(time: last.time, price: last.price, into: ticks.staged)
        try ticks.closeChunk(stats: &stats)
        return sane
    }
}

/// Every view of an archive survives absurd records (issue 28, defect 3): the exporter, and so
/// `qflux export`, `qflux indicators`, `qflux backtest` and the server's analysis requests,
/// skip and count them. Before, `Int64(1e308)` in the candle path killed them with SIGILL.
@Suite("Archive views of absurd records")
struct ArchiveAbsurdValueTests {
    /// Exports `options` from `data`: the text and the summary.
    private func export(_ data: String, _ options: ExportOptions) throws -> (String, ExportSummary) {
        var bytes: [UInt8] = []
        let summary = try ArchiveExporter(
            directory: data, options: options,
            sink: {
                bytes.append(contentsOf: $0); return true
            }
        ).run()
        return (String(decoding: bytes, as: UTF8.self), summary)
    }

    /// Test: the exporter writes exactly the sane records of every kind and path, and counts
    /// the others.
    @Test("the exporter skips and counts absurd candles and ticks on every path")
    func exporter() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        let sane = try PoisonedArchive.write(data)
        let candleCount = PoisonedArchive.absurdCandles.count, tickCount = PoisonedArchive.absurdTicks.count

        let (csv, s1) = try export(
            data,
            ExportOptions(
                kind: .candles, asset: PoisonedArchive.candleAsset, timeframe: .oneMinute,
                format: .csv, time: .epoch))
        #expect(s1.skippedAbsurd == candleCount && s1.rows == sane.count, "\(s1)")
        let expected = sane.map { "\($0.start),\($0.open),\($0.close),\($0.high),\($0.low)" }
        #expect(csv.split(separator: "\n").dropFirst().map(String.init) == expected)

        let (_, s2) = try export(
            data,
            ExportOptions(
                kind: .candles, asset: PoisonedArchive.candleAsset, timeframe: Timeframe(seconds: 300),
                format: .jsonl))
        #expect(s2.skippedAbsurd == candleCount && s2.rows == sane.count / 5, "\(s2)")

        for format in ExportOptions.Format.allCases {
            let (_, s3) = try export(
                data, ExportOptions(kind: .ticks, asset: PoisonedArchive.tickAsset, format: format))
            #expect(s3.skippedAbsurd == tickCount && s3.rows == PoisonedArchive.saneTicks, "\(format): \(s3)")
        }
        let (_, s4) = try export(
            data, ExportOptions(kind: .candles, asset: PoisonedArchive.tickAsset, timeframe: .oneMinute))
        #expect(s4.skippedAbsurd == tickCount && s4.rows == 17, "\(s4)")  // 1,000 s of ticks from a whole minute
    }

    /// Test: `qflux export`, `qflux indicators` and `qflux backtest` on the poisoned archive
    /// exit 0 with the sane rows and say on standard error how many records were skipped.
    @Test("qflux export, indicators and backtest on absurd records exit 0 and count them")
    func commands() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        let sane = try PoisonedArchive.write(data)
        let candleNote = "\(PoisonedArchive.absurdCandles.count) records skipped: absurd values"
        let tickNote = "\(PoisonedArchive.absurdTicks.count) records skipped: absurd values"

        let candles = try AnalysisCLITests.qflux([
            "export", data, "--kind", "candles", "--asset", PoisonedArchive.candleAsset,
            "--timeframe", "1m", "--time", "epoch",
        ])
        #expect(candles.status == 0 && candles.stderr.contains(candleNote), "\(candles.status): \(candles.stderr)")
        #expect(candles.stdout.split(separator: "\n").count == 1 + sane.count)
        for args in [["--kind", "ticks", "--format", "jsonl"], ["--kind", "ticks"], ["--timeframe", "1m"]] {
            let run = try AnalysisCLITests.qflux(["export", data, "--asset", PoisonedArchive.tickAsset] + args)
            #expect(run.status == 0 && run.stderr.contains(tickNote), "\(args) \(run.status): \(run.stderr)")
        }

        let indicators = try AnalysisCLITests.qflux([
            "indicators", data, "--asset", PoisonedArchive.candleAsset, "--timeframe", "1m",
            "--indicators", "rsi(14),willr(100000),cci(20),macd,supertrend(10,3)",
        ])
        #expect(
            indicators.status == 0 && indicators.stderr.contains(candleNote),
            "\(indicators.status): \(indicators.stderr)")
        #expect(indicators.stdout.split(separator: "\n").count == sane.count)

        for strategy in ["quantum_flux", "quantum_flux_ta"] {
            let backtest = try AnalysisCLITests.qflux([
                "backtest", data, "--asset", PoisonedArchive.candleAsset, "--timeframe", "1m",
                "--strategy", strategy, "--json",
            ])
            #expect(
                backtest.status == 0 && backtest.stderr.contains(candleNote), "\(backtest.status): \(backtest.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(backtest.stdout.utf8)) as? [String: Any]
            #expect(json?["statistics"] is [String: Any], "\(backtest.stdout.prefix(300))")
        }
        let fromTicks = try AnalysisCLITests.qflux([
            "backtest", data, "--asset", PoisonedArchive.tickAsset, "--timeframe", "1m",
            "--window", "5",
        ])
        #expect(
            fromTicks.status == 0 && fromTicks.stderr.contains(tickNote), "\(fromTicks.status): \(fromTicks.stderr)")
    }

    /// Test: a CSV file in the data directory whose first times are absurd is listed (its
    /// timeframe unknown) – its time spacing `Int(1e308)` killed the server's listing
    /// (`get_available_data`, `/api/available-csv-files`) with SIGILL.
    @Test("a CSV file with absurd first times is listed, not a crash")
    func absurdCSVListing() throws {
        let temp = TempDir()
        for (name, first, second) in [
            ("huge", "0", "1e308"), ("negative", "1e308", "-1e308"), ("nan", "1756866000", "nan"),
        ] {
            try "timestamp,open,close,high,low\n\(first),1,1,1,1\n\(second),1,1,1,1\n"
                .write(toFile: temp.path + "/\(name).csv", atomically: true, encoding: .utf8)
        }
        let entries = ArchiveCatalog(directory: temp.path).listing(sizes: false).entries
        #expect(Set(entries.map(\.filename)) == ["huge.csv", "negative.csv", "nan.csv"], "\(entries.map(\.filename))")
        #expect(entries.allSatisfy { $0.timeframe == "?" }, "\(entries.map(\.timeframe))")
    }

    /// Test: the coverage of a poisoned archive (`qflux ls --coverage`, `qflux collect`'s gap
    /// filling) counts the sane candles only – starts of Int64.min and .max overflowed its gap
    /// arithmetic (SIGILL).
    @Test("coverage of absurd candle starts: the sane candles, no overflow")
    func coverage() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        let sane = try PoisonedArchive.write(data)
        let coverage = try ArchiveCoverage.scan(directory: data)
        let series = try #require(coverage.series.first { $0.asset == PoisonedArchive.candleAsset })
        #expect(series.count == sane.count && series.gaps.isEmpty, "\(series)")
        #expect(series.first == sane.first?.start && series.last == sane.last?.start)
        let ls = try AnalysisCLITests.qflux(["ls", data, "--coverage", "--json"])
        #expect(ls.status == 0, "\(ls.status): \(ls.stderr)")
    }
}
