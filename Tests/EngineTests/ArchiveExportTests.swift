import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

@Suite("Archive export")
struct ArchiveExportTests {
    static func export(_ dir: String, _ options: ExportOptions) throws -> (String, ExportSummary) {
        var bytes: [UInt8] = []
        let summary = try ArchiveExporter(
            directory: dir, options: options,
            sink: {
                bytes += $0; return true
            }
        ).run()
        return (String(decoding: bytes, as: UTF8.self), summary)
    }

    @Test("CSV and JSONL of ticks and candles: columns, times, revisions, resampling, filters")
    func formats() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc"), aapl = assets.register("#AAPL")
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path), assets: assets, logger: ArchiveTestData.logger)
        try writer.append(Tick(asset: eur, time: 1_756_866_774.962, price: 0.87654))
        try writer.append(Tick(asset: eur, time: 1_756_866_775, price: 0.8766))
        try writer.append(Tick(asset: eur, time: 1_756_866_835.5, price: 0.1 + 0.2))
        try writer.append(Tick(asset: aapl, time: 1_756_866_780.25, price: 231.5))
        let m = Timeframe.oneMinute
        try writer.append(
            Candle(asset: eur, timeframe: m, start: 1_756_866_720, open: 1, high: 3, low: 0.5, close: 2, ticks: 4))
        try writer.append(
            Candle(asset: eur, timeframe: m, start: 1_756_866_780, open: 2, high: 2.5, low: 1.5, close: 2.25, ticks: 3))
        try writer.append(
            // revision
            Candle(asset: eur, timeframe: m, start: 1_756_866_780, open: 2, high: 4, low: 1.5, close: 3.5, ticks: 5))
        try writer.close()

        let (ticks, s1) = try Self.export(dir.path, ExportOptions(asset: "eurusd-OTC"))
        #expect(
            ticks == """
                timestamp,asset,price
                2025-09-03 02:32:54.962Z,EURUSD_otc,0.87654
                2025-09-03 02:32:55Z,EURUSD_otc,0.8766
                2025-09-03 02:33:55.5Z,EURUSD_otc,0.30000000000000004

                """)
        #expect(s1.rows == 3 && s1.truncated.isEmpty)

        let (epoch, _) = try Self.export(
            dir.path, ExportOptions(kind: .ticks, from: 1_756_866_775, to: 1_756_866_800, time: .epoch))
        #expect(epoch == "timestamp,asset,price\n1756866780.25,#AAPL,231.5\n1756866775,EURUSD_otc,0.8766\n")

        let (candles, _) = try Self.export(dir.path, ExportOptions(kind: .candles))
        #expect(
            candles
                == "timestamp,open,close,high,low\n2025-09-03 02:32:00Z,1,2,3,0.5\n2025-09-03 02:33:00Z,2,3.5,4,1.5\n")

        let (json, _) = try Self.export(dir.path, ExportOptions(kind: .candles, format: .jsonl))
        #expect(
            json.hasSuffix(
                "{\"type\":\"candle\",\"asset\":\"EURUSD_otc\",\"timeframe\":60,\"time\":1756866780,\"open\":2,\"high\":4,\"low\":1.5,\"close\":3.5,\"ticks\":5}\n"
            ))

        let (tickJSON, _) = try Self.export(dir.path, ExportOptions(asset: "#aapl", format: .jsonl))
        #expect(tickJSON == "{\"type\":\"tick\",\"asset\":\"#AAPL\",\"time\":1756866780.25,\"price\":231.5}\n")

        // 5m from stored 1m candles (EURUSD) and from ticks (#AAPL): asset column appears
        let (five, _) = try Self.export(dir.path, ExportOptions(timeframe: Timeframe(seconds: 300)))
        #expect(
            five == """
                timestamp,asset,open,close,high,low
                2025-09-03 02:30:00Z,#AAPL,231.5,231.5,231.5,231.5
                2025-09-03 02:30:00Z,EURUSD_otc,1,3.5,4,0.5

                """)
        // 30s candles must come from ticks
        let (thirty, _) = try Self.export(
            dir.path, ExportOptions(asset: "EURUSD_otc", timeframe: Timeframe(seconds: 30), format: .jsonl))
        #expect(thirty.split(separator: "\n").count == 2)
        #expect(
            thirty.contains(
                "\"time\":1756866750,\"open\":0.87654,\"high\":0.8766,\"low\":0.87654,\"close\":0.8766,\"ticks\":2"))

        #expect(throws: ArchiveError.self) { try Self.export(dir.path + "/missing", ExportOptions()) }
        #expect(throws: ArchiveError.self) { try Self.export(dir.path, ExportOptions(asset: "GBPUSD")) }
    }

    /// Straightforward reference text for the tick CSV: Foundation's calendar for the date, the
    /// Double's shortest `description` for fractions and prices (the test keeps values where that
    /// is plain decimal notation).
    static func referenceCSV(_ rows: [(asset: String, tick: Tick)], iso: Bool) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        func plain(_ v: Double) -> String {
            let d = v.description
            return d.hasSuffix(".0") ? String(d.dropLast(2)) : d
        }
        var text = "timestamp,asset,price\n"
        for (asset, t) in rows {
            if iso {
                let whole = t.time.rounded(.down)
                text += formatter.string(from: Date(timeIntervalSince1970: whole))
                let d = t.time.description
                if let dot = d.firstIndex(of: "."), d[d.index(after: dot)...] != "0" { text += d[dot...] }
                text += "Z"
            } else {
                text += plain(t.time)
            }
            text += ",\(asset),\(plain(t.price))\n"
        }
        return text
    }

    @Test("a large tick export is byte-for-byte the reference formatter's text (ISO and epoch)")
    func largeExportMatchesReference() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let names = ["EURUSD_otc", "#AAPL_otc", "USDJPY_otc", "ADA-USD_otc"]
        let ids = names.map { assets.register($0) }
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick, tickChunkSize: 5_000),
            assets: assets, logger: ArchiveTestData.logger)
        var rng = SeededRNG(seed: 77)
        var ms = Int64(1_756_857_600_000) - 3_000  // 3 s before midnight: day changes inside
        var prices = [1.08342, 188.405, 146.618, 0.496667]
        let decimals = [5, 3, 3, 6]
        var perAsset: [[Tick]] = names.map { _ in [] }
        for i in 0..<120_000 {
            let a = Int.random(in: 0..<names.count, using: &rng)
            // mostly ms gaps; sometimes whole, half and quarter seconds; spans about 2 days
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: ms = (ms / 1000 + 1) * 1000
            case 1: ms = (ms / 500 + 1) * 500
            case 2: ms = (ms / 250 + 1) * 250
            default: ms += Int64.random(in: 1...2_800, using: &rng)
            }
            let scale = pow(10.0, Double(decimals[a]))
            prices[a] = ((prices[a] * scale).rounded() + Double(Int.random(in: -30...30, using: &rng))) / scale
            var price = prices[a]
            if i % 9_973 == 0 { price = 0.1 + 0.2 }  // 17 significant digits
            if i % 7_919 == 0 { price = 42 }  // integral
            let tick = Tick(asset: ids[a], time: Double(ms) / 1000, price: price)
            try writer.append(tick)
            perAsset[a].append(tick)
        }
        try writer.close()
        var rows: [(asset: String, tick: Tick)] = []
        for a in names.indices.sorted(by: { names[$0] < names[$1] }) {
            rows += perAsset[a].map { (names[a], $0) }
        }
        for iso in [true, false] {
            let (csv, summary) = try Self.export(dir.path, ExportOptions(kind: .ticks, time: iso ? .iso : .epoch))
            #expect(summary.rows == rows.count)
            let reference = Self.referenceCSV(rows, iso: iso)
            #expect(csv.utf8.count == reference.utf8.count)
            if csv != reference {
                let got = csv.split(separator: "\n"), want = reference.split(separator: "\n")
                let bad = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record(
                    "iso \(iso): first difference at line \(bad?.offset ?? -1): \(bad.map { "\($0.element.0) != \($0.element.1)" } ?? "lengths differ")"
                )
            }
        }
    }

    @Test("CSV export throughput (figure printed; asserts only that it runs to the end)")
    func throughput() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = (0..<5).map { assets.register("ASSET\($0)_otc") }
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick, tickChunkSize: 10_000),
            assets: assets, logger: ArchiveTestData.logger)
        let ticks = ArchiveTestData.randomWalk(assets: ids, count: 200_000, seed: 2)
        for t in ticks { try writer.append(t) }
        try writer.close()
        let started = Date()
        var bytes = 0
        let summary = try ArchiveExporter(
            directory: dir.path, options: ExportOptions(),
            sink: {
                bytes += $0.count; return true
            }
        ).run()
        let seconds = Date().timeIntervalSince(started)
        print(
            "archive export: \(summary.rows) rows, \(bytes) bytes CSV in \(seconds) s = \(Double(bytes) / seconds / 1e6) MB/s"
        )
        #expect(summary.rows == ticks.count)
    }
}
