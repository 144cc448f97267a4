import Candles
import Demo
import FastDecode
import Foundation
import Testing
import TextWriters

@testable import Archive
@testable import Engine
@testable import SocketIOServer

/// The CSV API's catalog over a real archive written by the engine, plus an original-layout CSV.
@Suite("Archive catalog (CSV API)")
struct ArchiveCatalogTests {
    /// A data directory: ticks of two assets (one with an escaped name), 1m candles of both,
    /// 5m candles of one, a chunk renamed `.open` (orphaned), an original-layout candle CSV, and
    /// odd things that must not be listed.
    final class Fixture {
        let temp = TempDir()
        var data: String { temp.path + "/data" }
        var outside: String { temp.path + "/outside" }
        let names = ["EURUSD_otc", "#AAPL"]
        var ticks: [String: [Tick]] = [:]
        var candles: [String: [Int: [Candle]]] = [:]
        let csvRelative = "data_collect/1M_candles/GBPUSD_otc_1m_20250903_0033.csv"
        var csvText = "timestamp,open,close,high,low\n"

        init() throws {
            let assets = AssetDirectory()
            let ids = names.map(assets.register)
            let writer = try ArchiveWriter(
                configuration: .init(
                    directory: temp.path + "/data", collect: .both, tickChunkSize: 40, candleChunkSize: 30),
                assets: assets, logger: ArchiveTestData.logger)
            for t in ArchiveTestData.randomWalk(assets: ids, count: 1_000, seed: 11) {
                try writer.append(t)
                ticks[assets.name(of: t.asset), default: []].append(t)
            }
            var rng = SeededRNG(seed: 5)
            for (n, id) in ids.enumerated() {
                for tf in n == 0 ? [60, 300] : [60] {
                    var p = 1.08123
                    for i in 0..<120 {
                        let o = p, c = p + Double(Int.random(in: -30...30, using: &rng)) / 1e5
                        p = c
                        let candle = Candle(
                            asset: id, timeframe: Timeframe(seconds: tf), start: 1_756_866_000 + Int64(i * tf),
                            open: o, high: max(o, c) + 0.00002, low: min(o, c) - 0.00001, close: c, ticks: 5)
                        try writer.append(candle)
                        candles[names[n], default: [:]][tf, default: []].append(candle)
                    }
                }
            }
            try writer.close()
            // An orphaned chunk: the newest EURUSD_otc tick chunk keeps its `.open` suffix.
            let last = try #require(
                try ArchiveIndex.chunkPaths(in: data).filter { $0.contains("/EURUSD_otc/ticks/") }.last)
            try FileManager.default.moveItem(atPath: last, toPath: last + ".open")
            // The original's layout.
            for i in 0..<30 {
                let t = UTCTime.iso8601(seconds: 1_756_866_000 + Int64(i * 60)).replacingOccurrences(of: "T", with: " ")
                csvText += "\(t),1.2\(i),1.2\(i + 1),1.3\(i),1.1\(i)\n"
            }
            try FileManager.default.createDirectory(
                atPath: data + "/data_collect/1M_candles", withIntermediateDirectories: true)
            try csvText.write(toFile: data + "/" + csvRelative, atomically: false, encoding: .utf8)
            // Odd things: a folder name qflux never writes, a link to chunks outside, a CSV
            // without the original's columns.
            let some = try #require(try ArchiveIndex.chunkPaths(in: data).first)
            for folder in [data + "/bad%zz/ticks", outside + "/X/ticks"] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: some, toPath: folder + "/" + (some as NSString).lastPathComponent)
            }
            try FileManager.default.createSymbolicLink(atPath: data + "/link", withDestinationPath: outside)
            try "a,b\n1,2\n".write(toFile: data + "/notes.csv", atomically: false, encoding: .utf8)
        }

        var catalog: ArchiveCatalog { ArchiveCatalog(directory: data) }
    }

    /// Pulls a stream to its end; every piece non-empty and at most 64 KB.
    static func drain(_ stream: CatalogCSVStream) throws -> [UInt8] {
        var out: [UInt8] = []
        while let piece = try stream.nextPiece() {
            #expect(!piece.isEmpty && piece.count <= CatalogCSVStream.pieceBytes)
            out += piece
        }
        return out
    }

    /// Rows of CSV text split by position (header dropped).
    static func rows(_ bytes: [UInt8]) -> (header: String, rows: [[String]]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        return (
            lines.first ?? "",
            lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        )
    }

    @Test("one entry per asset × ticks/timeframe with real names, relative paths and .csv file names")
    func entries() throws {
        let f = try Fixture()
        let listing = f.catalog.listing()
        let got = Set(listing.entries.map { "\($0.asset)|\($0.timeframe)|\($0.filename)|\($0.path)" })
        #expect(
            got == [
                "EURUSD_otc|tick|EURUSD_otc_tick.csv|EURUSD_otc/ticks",
                "EURUSD_otc|1m|EURUSD_otc_1m.csv|EURUSD_otc/candles_1m",
                "EURUSD_otc|5m|EURUSD_otc_5m.csv|EURUSD_otc/candles_5m",
                "#AAPL|tick|~23AAPL_tick.csv|%23AAPL/ticks",
                "#AAPL|1m|~23AAPL_1m.csv|%23AAPL/candles_1m",
                "GBPUSD_otc|1m|GBPUSD_otc_1m_20250903_0033.csv|\(f.csvRelative)",
            ], "\(got)")
        // Every chunk of a series is counted in its one entry, the orphaned `.open` one too.
        let ticks = try #require(listing.entries.first { $0.filename == "EURUSD_otc_tick.csv" })
        let files = try FileManager.default.contentsOfDirectory(atPath: f.data + "/EURUSD_otc/ticks")
        #expect(ticks.chunks == files.count && files.contains { $0.hasSuffix(ChunkNaming.openSuffix) })
        // Odd things are left out and said why.
        let skipped = Set(listing.skipped.map(\.path))
        #expect(
            skipped.contains("bad%zz/ticks") && skipped.contains("link") && skipped.contains("notes.csv"), "\(skipped)")
        #expect(
            !listing.entries.contains { $0.path.hasPrefix("/") || $0.path.contains("..") || $0.path.hasPrefix("link") })
    }

    @Test("?timeframe= filters: tick, 1m, 5m, ticks and 60 as aliases, an unknown one lists nothing")
    func timeframeFilter() throws {
        let f = try Fixture()
        let c = f.catalog
        #expect(Set(c.entries(timeframe: "tick").map(\.filename)) == ["EURUSD_otc_tick.csv", "~23AAPL_tick.csv"])
        #expect(c.entries(timeframe: "ticks").map(\.filename) == c.entries(timeframe: "tick").map(\.filename))
        #expect(
            Set(c.entries(timeframe: "1m").map(\.filename)) == [
                "EURUSD_otc_1m.csv", "~23AAPL_1m.csv", "GBPUSD_otc_1m_20250903_0033.csv",
            ])
        #expect(c.entries(timeframe: "60").map(\.filename) == c.entries(timeframe: "1m").map(\.filename))
        #expect(c.entries(timeframe: "5m").map(\.filename) == ["EURUSD_otc_5m.csv"])
        #expect(c.entries(timeframe: "4h").isEmpty && c.entries(timeframe: "bogus").isEmpty)
        #expect(c.entries().count == 6)
    }

    @Test("tick CSV parsed by position equals the archived ticks (the .open chunk's too)")
    func tickContent() throws {
        let f = try Fixture()
        for name in f.names {
            let entry = try #require(f.catalog.entries(timeframe: "tick").first { $0.asset == name })
            let (header, rows) = Self.rows(try Self.drain(try f.catalog.open(entry)))
            #expect(header == "timestamp,asset,price")
            let want = f.ticks[name]!
            try #require(rows.count == want.count, "\(name): \(rows.count) rows for \(want.count) ticks")
            for (row, t) in zip(rows, want) {
                #expect(row.count == 3 && row[1] == name)
                #expect(UTCTime.parse(row[0]) == t.time && row[0].hasSuffix("Z"), "\(row[0]) vs \(t.time)")
                #expect(Double(row[2]) == t.price)
            }
        }
    }

    @Test("candle CSV parsed by position (timestamp,open,close,high,low) equals the archived candles")
    func candleContent() throws {
        let f = try Fixture()
        for entry in f.catalog.entries() where !entry.isTicks {
            guard case let .archive(_, seconds) = entry.source else { continue }
            let (header, rows) = Self.rows(try Self.drain(try f.catalog.open(entry)))
            #expect(header == "timestamp,open,close,high,low")
            let want = f.candles[entry.asset]![seconds]!
            try #require(rows.count == want.count)
            for (row, c) in zip(rows, want) {
                #expect(row.count == 5)
                #expect(row[0] == UTCTime.iso8601(seconds: c.start).replacingOccurrences(of: "T", with: " "))
                #expect(row[1...4].map { Double($0) } == [c.open, c.close, c.high, c.low])
            }
        }
    }

    @Test("an original-layout CSV is served as it is, its size exact")
    func originalCSV() throws {
        let f = try Fixture()
        let entry = try #require(f.catalog.entry(filename: "GBPUSD_otc_1m_20250903_0033.csv"))
        let bytes = try Self.drain(try f.catalog.open(entry))
        #expect(bytes == Array(f.csvText.utf8))
        #expect(f.catalog.entries().first { $0.filename == entry.filename }?.size == bytes.count)
    }

    @Test("archived sizes are estimates within 15 % of the bytes served")
    func sizes() throws {
        let f = try Fixture()
        for entry in f.catalog.entries() {
            let served = try Self.drain(try f.catalog.open(entry)).count
            let size = try #require(entry.size)
            let error = abs(Double(size - served)) / Double(served)
            print(
                "catalog size: \(entry.filename) estimated \(size), served \(served) (\(String(format: "%.1f", error * 100)) %)"
            )
            #expect(error <= 0.15, "\(entry.filename): size \(size), served \(served) (\(Int(error * 100)) %)")
        }
    }

    @Test("resolve takes listed paths and names only: no .., no paths elsewhere, no links, nothing unlisted")
    func resolve() throws {
        let f = try Fixture()
        let c = f.catalog
        #expect(try c.resolve("EURUSD_otc/candles_1m").filename == "EURUSD_otc_1m.csv")
        #expect(try c.resolve("./EURUSD_otc//candles_1m/").filename == "EURUSD_otc_1m.csv")
        #expect(try c.resolve("~23AAPL_1m.csv").asset == "#AAPL")
        #expect(try c.resolve(f.data + "/EURUSD_otc/ticks").timeframe == "tick")
        #expect(try c.resolve(f.csvRelative).filename == "GBPUSD_otc_1m_20250903_0033.csv")
        for bad in [
            "", "../outside/X/ticks", "EURUSD_otc/../../outside/X/ticks", "/etc/passwd", f.outside + "/X/ticks",
            "link/X/ticks", "EURUSD_otc", "EURUSD_otc/ticks/" + "x.qfa.lz4", "bad%zz/ticks", "notes.csv", "a\u{0}b",
        ] {
            #expect(throws: CatalogError.self, "\(bad)") { try c.resolve(bad) }
        }
        do {
            _ = try c.resolve(f.outside + "/X/ticks")
        } catch {
            #expect(error.message.contains("outside the data directory"))
        }
        for bad in ["../x.csv", "link", "/etc/passwd", "EURUSD_otc_1m", "..", ""] {
            #expect(c.entry(filename: bad) == nil, "\(bad)")
        }
    }

    @Test("an absent data directory lists nothing; an unreadable chunk fails the stream with a message")
    func absentAndDamaged() throws {
        #expect(ArchiveCatalog(directory: "/nonexistent/qflux-data").listing().entries.isEmpty)
        let f = try Fixture()
        let entry = try #require(f.catalog.entry(filename: "~23AAPL_1m.csv"))
        let stream = try f.catalog.open(entry)
        try FileManager.default.removeItem(atPath: f.data + "/%23AAPL/candles_1m")
        #expect(throws: CatalogError.self) { _ = try Self.drain(stream) }
    }

    @Test("a listed folder swapped for a link after the listing is refused when opened")
    func swappedForLink() throws {
        let f = try Fixture()
        let entry = try #require(f.catalog.entry(filename: "~23AAPL_tick.csv"))
        try FileManager.default.moveItem(atPath: f.data + "/%23AAPL/ticks", toPath: f.temp.path + "/moved")
        try FileManager.default.createSymbolicLink(
            atPath: f.data + "/%23AAPL/ticks", withDestinationPath: f.outside + "/X/ticks")
        #expect(throws: CatalogError.self) { _ = try f.catalog.open(entry) }
        #expect(f.catalog.entry(filename: "~23AAPL_tick.csv") == nil)
    }

    @Test("an .open chunk closed after it was listed is read under its closed name (live archives)")
    func openChunkClosedMeanwhile() throws {
        let f = try Fixture()
        let open = try #require(try ArchiveIndex.chunkPaths(in: f.data).first { $0.hasSuffix(ChunkNaming.openSuffix) })
        let reader = try ArchiveReader()
        let before = try reader.read(open)
        try FileManager.default.moveItem(atPath: open, toPath: String(open.dropLast(".open".count)))
        let after = try reader.read(open)
        #expect(after.ticks.count == before.ticks.count && after.ticks.count > 0)
        #expect(throws: ArchiveError.self) { _ = try reader.read(open + "-gone.qfa.lz4.open") }
    }

    @Test("listing a 10,000-chunk archive is fast and one entry per series")
    func largeListing() throws {
        let temp = TempDir()
        let assets = AssetDirectory()
        let ids = (0..<4).map { assets.register("ASSET\($0)_otc") }
        let writer = try ArchiveWriter(
            configuration: .init(directory: temp.path, collect: .tick, tickChunkSize: 1_000),
            assets: assets, logger: ArchiveTestData.logger)
        for t in ArchiveTestData.randomWalk(assets: ids, count: 8_000, seed: 2) { try writer.append(t) }
        try writer.close()
        // 2,500 chunks per asset: copies of the written ones under new names.
        var total = 0
        var perSeries: [Int] = []
        for id in ids {
            let folder =
                temp.path + "/" + ChunkNaming.folder(asset: assets.name(of: id), kind: .ticks, timeframeSeconds: 0)
            let first = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).sorted().first)
            for k in 1..<2_500 {
                let name = ChunkNaming.fileName(
                    asset: assets.name(of: id), kind: .ticks, timeframeSeconds: 0,
                    time: 1_756_900_000 + Double(k) * 600, sequence: k)
                try FileManager.default.copyItem(atPath: folder + "/" + first, toPath: folder + "/" + name)
            }
            perSeries.append(try FileManager.default.contentsOfDirectory(atPath: folder).count)
            total += perSeries.last!
        }
        #expect(total >= 10_000)
        let catalog = ArchiveCatalog(directory: temp.path)
        _ = catalog.listing()  // warm the directory cache
        let start = Date()
        let runs = 5
        var listing = catalog.listing()
        for _ in 1..<runs { listing = catalog.listing() }
        let seconds = Date().timeIntervalSince(start) / Double(runs)
        let json = ServerPayloads.availableData(
            listing.entries.map {
                AvailableFile(
                    filename: $0.filename, asset: $0.asset, timeframe: $0.timeframe, path: $0.path, size: $0.size)
            }
        ).count
        print(
            "catalog: \(total) chunks, \(listing.entries.count) entries, \(String(format: "%.1f", seconds * 1000)) ms per listing, \(json) bytes of available_data"
        )
        #expect(listing.entries.count == 4)
        #expect(
            listing.entries.map(\.chunks).sorted() == perSeries.sorted()
                && listing.entries.allSatisfy { ($0.size ?? 0) > 0 })
        let start2 = Date()
        for _ in 0..<runs { _ = catalog.listing(sizes: false) }
        print(
            "catalog: \(String(format: "%.1f", Date().timeIntervalSince(start2) / Double(runs) * 1000)) ms per listing without sizes"
        )
        #expect(seconds < 2, "\(seconds) s per listing")
    }
}
