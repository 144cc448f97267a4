import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Demo
@testable import Engine

/// Format 2 (bit-packed tick records) and format 1 (still read): see docs/archive-format.md.
@Suite("Archive format versions")
struct ArchiveFormatTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// Chunks written by the format-1 writer (commit d739ae4, `qflux replay --collect-stream both`
    /// over the two real PocketOption fixtures), and an orphaned `.open` copy of one cut before
    /// its frame end.
    static let v1Directory = here.appendingPathComponent("Fixtures/archive-v1").path
    static let realTicks = ["pocketoption-20250903_003350", "pocketoption-20250903_012215"].map {
        here.deletingLastPathComponent().appendingPathComponent("FastDecodeTests/Fixtures/\($0).ticks.jsonl").path
    }

    /// The real ticks of the fixtures, in file order: (asset, time, price).
    static func fixtureTicks() throws -> [(String, Double, Double)] {
        var out: [(String, Double, Double)] = []
        for path in realTicks {
            for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                // JSONSerialization's doubles are not always the shortest-repr parse: re-parse the text.
                func number(_ key: String) -> Double {
                    let text = String(line)
                    let start = text.range(of: "\"\(key)\": ")!.upperBound
                    let end = text[start...].firstIndex { $0 == "," || $0 == "}" }!
                    return Double(text[start..<end].trimmingCharacters(in: .whitespaces))!
                }
                out.append((o["asset"] as! String, number("time"), number("price")))
            }
        }
        return out
    }

    @Test(
        "format-1 chunks (fixtures written by the previous writer) are read exactly: ticks, candles, an orphaned .open")
    func readsFormat1() throws {
        let reader = try ArchiveReader()
        let index = try ArchiveIndex.scan(directory: Self.v1Directory)
        #expect(index.unreadable.isEmpty)
        #expect(index.chunks.count == 6)
        #expect(index.chunks.allSatisfy { $0.header.version == 1 && $0.header.encoding == 1 })
        let want = try Self.fixtureTicks().filter { $0.0 == "EURGBP_otc" }
        let eur = try #require(index.chunks.first { $0.header.asset == "EURGBP_otc" && $0.header.kind == .ticks })
        let chunk = try reader.read(eur.path)
        #expect(chunk.summary.condition == .complete)
        #expect(chunk.ticks.count == want.count && want.count == 162)
        for (t, w) in zip(chunk.ticks, want) {
            #expect(t.time.bitPattern == w.1.bitPattern && t.price.bitPattern == w.2.bitPattern, "\(t) vs \(w)")
        }
        let candles = index.chunks.filter { $0.header.kind == .candles }
        #expect(
            candles.count == 3 && candles.allSatisfy { $0.condition == .complete && $0.header.timeframeSeconds == 60 })
        for c in candles {
            for r in try reader.read(c.path).candles {
                #expect(r.start % 60 == 0 && r.low <= min(r.open, r.close) && r.high >= max(r.open, r.close))
            }
        }
        let open = try #require(index.chunks.first { $0.isOpen })
        #expect(open.condition == .truncated && open.records == 75)
        let verify = try ArchiveVerifier.verify(directory: Self.v1Directory)
        #expect(
            verify.damaged.isEmpty && verify.truncatedOpen.count == 1
                && verify.records == 162 + 100 + 100 + 75 + 52 + 75)
        var csv: [UInt8] = []
        let summary = try ArchiveExporter(
            directory: Self.v1Directory, options: ExportOptions(kind: .ticks, asset: "EURGBP_otc"),
            sink: {
                csv += $0; return true
            }
        ).run()
        #expect(summary.rows == 162)
        #expect(String(decoding: csv, as: UTF8.self).contains("2025-09-03 02:32:54.962Z,EURGBP_otc,0.87951\n"))
    }

    @Test("format 2 round-trips odd and random doubles bit-exactly, in one chunk and cut at every flush")
    func bitColumnsExact() throws {
        var rng = SeededRNG(seed: 41)
        var values =
            ArchiveTestData.oddDoubles + [
                Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, 0x0.00000000007e8p-1022, 0x1p-1022,
                0x1p1023, 4503599627370496.5, 1e15, 1e16,
                -1e15 + 1, 999_999_999_999_999.9, 1.0000000000000002e-4, 1_756_866_774.962,
            ]
        for i in 0..<20_000 {
            switch i % 5 {
            case 0: values.append(Double(bitPattern: rng.next()))
            case 1: values.append(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 1e5)
            case 2: values.append(Double.random(in: -1e6...1e6, using: &rng))
            case 3: values.append((values.last ?? 0) + 0.00001)
            default: values.append(Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng)))
            }
        }
        var encoder = TickEncoder()
        let out = ByteBuffer(capacity: 1 << 16)
        var tails: [(Int, UInt8?)] = []  // bytes and provisional last byte after each record
        for i in stride(from: 0, to: values.count - 1, by: 1) {
            encoder.encode(time: values[i], price: values[values.count - 1 - i], into: out)
            tails.append((out.count, encoder.tail))
        }
        encoder.finish(into: out)
        var got: [TickRecord] = []
        let end = try RecordDecoder.bitTicks(out.bytes, from: 0) { got.append($0) }
        #expect(end == .clean)
        #expect(got.count == values.count - 1)
        for (i, r) in got.enumerated() {
            let t = values[i], p = values[values.count - 1 - i]
            #expect(r.time.bitPattern == t.bitPattern && r.price.bitPattern == p.bitPattern, "\(i): \(t) \(p) → \(r)")
        }
        // What a flush after record n leaves on disk: the complete bytes and the provisional one.
        for n in stride(from: 0, to: tails.count, by: 997) {
            let (count, tail) = tails[n]
            var bytes = Array(UnsafeRawBufferPointer(rebasing: out.bytes[0..<count]))
            if let tail { bytes.append(tail) }
            var read = 0
            let cut = try bytes.withUnsafeBytes { b throws(RecordError) in
                try RecordDecoder.bitTicks(b, from: 0) { _ in read += 1 }
            }
            #expect(cut == .clean && read == n + 1, "flush after record \(n)")
        }
    }

    @Test("bytes per tick, format 1 vs 2, on the real ticks, the random walks and the demo market (figures printed)")
    func bytesPerTickByDataSet() throws {
        func sizes(_ ticks: [(Int, Double, Double)]) -> (v1: Int, v2: Int) {
            var v1: [Int: (TickEncoderV1, ByteBuffer)] = [:], v2: [Int: (TickEncoder, ByteBuffer)] = [:]
            for (a, t, p) in ticks {
                var e1 = v1[a] ?? (TickEncoderV1(), ByteBuffer(capacity: 1 << 16))
                e1.0.encode(time: t, price: p, into: e1.1)
                v1[a] = e1
                var e2 = v2[a] ?? (TickEncoder(), ByteBuffer(capacity: 1 << 16))
                e2.0.encode(time: t, price: p, into: e2.1)
                v2[a] = e2
            }
            for (a, var e) in v2 {
                e.0.finish(into: e.1)
                v2[a] = e
            }
            return (v1.values.reduce(0) { $0 + $1.1.count }, v2.values.reduce(0) { $0 + $1.1.count })
        }
        var sets: [(String, [(Int, Double, Double)])] = []
        var names: [String: Int] = [:]
        let real = try Self.fixtureTicks().map { tick -> (Int, Double, Double) in
            if names[tick.0] == nil { names[tick.0] = names.count }
            return (names[tick.0]!, tick.1, tick.2)
        }
        sets.append(("real PocketOption fixtures", real))
        let assets = AssetDirectory()
        let ids = (0..<15).map { assets.register("A\($0)") }
        sets.append(
            (
                "ArchiveTestData.randomWalk",
                ArchiveTestData.randomWalk(assets: ids, count: 60_000, seed: 5).map {
                    (Int($0.asset.rawValue), $0.time, $0.price)
                }
            ))
        var market = SimulatedMarket(assetCount: 8, seed: 3)
        var rng = SeededRNG(seed: 9)
        var ms = 1_756_866_774_962.0
        var demo: [(Int, Double, Double)] = []
        for _ in 0..<60_000 {  // the demo's live stream: 16 ticks/s over 8 assets
            ms += (-62.5 * log(max(rng.unit(), 1e-9))).rounded()
            let a = market.randomAsset()
            demo.append((a, ms / 1000, market.step(a)))
        }
        sets.append(("demo market (SimulatedMarket, 8 assets, 16/s)", demo))
        for (name, ticks) in sets {
            let (v1, v2) = sizes(ticks)
            let per1 = Double(v1) / Double(ticks.count), per2 = Double(v2) / Double(ticks.count)
            print("archive records, \(name): \(ticks.count) ticks, format 1 \(per1) B/tick, format 2 \(per2) B/tick")
            #expect(per2 < per1)
            if ticks.count > 1000 { #expect(per2 <= 2.5) }
        }
    }

    @Test("format-1 ticks rewritten by today's writer come back identical, in fewer bytes")
    func v1ToV2() throws {
        let reader = try ArchiveReader()
        let dir = TempDir()
        let assets = AssetDirectory()
        var all: [TickRecord] = []
        var v1Bytes = 0
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick), assets: assets, logger: ArchiveTestData.logger)
        for path in try ArchiveIndex.chunkPaths(in: Self.v1Directory)
        where path.contains("/ticks/") && !path.hasSuffix(".open") {
            let chunk = try reader.read(path)
            v1Bytes += chunk.summary.compressedBytes
            let id = assets.register(chunk.summary.header.asset)
            for t in chunk.ticks { try writer.append(Tick(asset: id, time: t.time, price: t.price)) }
            all += chunk.ticks
        }
        try writer.close()
        var back: [TickRecord] = []
        for path in dir.chunks() {
            let chunk = try reader.read(path)
            #expect(
                chunk.summary.header.version == 2 && chunk.summary.header.encoding == 2
                    && chunk.summary.condition == .complete)
            back += chunk.ticks
        }
        #expect(back == all)
        #expect(writer.statistics.bytesWritten < v1Bytes)
        print(
            "archive: \(all.count) real ticks: format 1 \(v1Bytes) bytes on disk, format 2 \(writer.statistics.bytesWritten)"
        )
    }
}
