import Archive
import Backtest
import Foundation
import Signals
import Testing

@testable import Engine

/// The run-level journal (`signals.journal/`, encoding 4: one chunk stream for every asset) beside
/// the per-asset layout of earlier versions (`ASSET/signals/`, encoding 3), which is still read.
@Suite("Signal journal layout", .serialized)
struct SignalJournalLayoutTests {
    static func record(_ id: UInt64, asset: String, time: Int64, scored: Bool) -> SignalRecord {
        let s = SignalJournalArchiveTests.signal(id, asset: asset, time: time)
        return scored
            ? SignalRecord(SignalResult(signal: s, exitPrice: s.entryPrice + 2e-5, defaultPayout: 0.8))
            : SignalRecord(s)
    }

    /// Writes `records` as the per-asset journal of earlier versions: one encoding-3 chunk per
    /// asset under `ASSET/signals/` (a frame like the old writer's: header, then the records).
    static func writeOldLayout(_ records: [SignalRecord], directory: String) throws {
        var assets: [String] = []
        for r in records where !assets.contains(r.asset) { assets.append(r.asset) }
        for asset in assets {
            let mine = records.filter { $0.asset == asset }
            var header = ChunkHeader(kind: .signals, asset: asset, timeframeSeconds: 0, recordLimit: 1000)
            header.encoding = SignalRecord.encoding
            var bytes = header.bytes
            for r in mine { r.encode(into: &bytes) }
            let folder = directory + "/" + ChunkNaming.folder(asset: asset, kind: .signals, timeframeSeconds: 0)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = ChunkNaming.fileName(
                asset: asset, kind: .signals, timeframeSeconds: 0, time: Double(mine[0].time), sequence: 1)
            try bytes.withUnsafeBytes { try ArchiveHardeningTests.writeFrame(folder + "/" + name, $0) }
        }
    }

    /// Test: records of several assets share one chunk of the run-level journal and read back
    /// bit for bit, in order, with their assets; no asset folder is made.
    @Test("Several assets' records round-trip through one run-level chunk")
    func multiAssetRoundTrip() throws {
        let dir = TempDir()
        let writer = SignalJournalWriter(directory: dir.path, durable: false)
        let long = String(repeating: "é", count: 200)  // 400 bytes: kept to its first 255
        let assets = ["EURUSD_otc", "#AAPL", "GBPUSD_otc", "BTC/USD", long]
        var expected: [SignalRecord] = []
        for id in UInt64(1)...20 {
            let r = Self.record(
                id, asset: assets[Int(id) % assets.count], time: 1_756_000_000 + Int64(id), scored: id > 10)
            try writer.append(r)
            expected.append(r)
        }
        try writer.close()
        #expect(writer.written == 20 && writer.failed == 0)
        let folder = dir.path + "/" + ChunkNaming.journalFolder
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names == [ChunkNaming.journalFolder], "only the journal folder: \(names)")
        let chunks = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(chunks.count == 1 && chunks[0].hasPrefix("signals_") && chunks[0].hasSuffix(ChunkNaming.closedSuffix))

        let journal = try SignalJournalReader.read(directory: dir.path)
        #expect(journal.chunks == 1 && journal.damaged == 0)
        let cut = String(decoding: Array(long.utf8.prefix(SignalRecord.maxAssetBytes)), as: UTF8.self)
        #expect(journal.records.map(\.asset).contains(cut))
        var kept = expected
        for i in kept.indices where kept[i].asset == long { kept[i].asset = cut }
        #expect(journal.records == kept)

        // The same chunk through the archive reader (what `qflux info` and the index scan use).
        let summary = try ArchiveReader().scan(folder + "/" + chunks[0], ticks: { _ in }, candles: { _ in })
        #expect(summary.condition == .complete && summary.records == 20)
        #expect(
            summary.header.encoding == SignalRecord.assetEncoding
                && summary.header.asset == ChunkNaming.journalHeaderAsset)

        // A second run keeps the first run's chunks and adds its own (names sort by the run's
        // first record time, then in writing order); chunks rotate at the chunk size.
        let second = SignalJournalWriter(directory: dir.path, chunkSize: 4, durable: false)
        for id in UInt64(21)...30 {
            try second.append(
                Self.record(id, asset: assets[Int(id) % 2], time: 1_756_000_100 - Int64(id), scored: false))
        }
        try second.close()
        let again = try SignalJournalReader.read(directory: dir.path)
        #expect(again.chunks == 4 && again.damaged == 0)
        #expect(again.records.map(\.id) == Array(1...30))
    }

    /// Test: archives written before the run-level journal (per-asset chunks, encoding 3) read
    /// as before, beside a newer run's run-level chunks, and filter by asset.
    @Test("Per-asset chunks of earlier versions are still read, beside run-level chunks")
    func oldLayoutStillRead() throws {
        let dir = TempDir()
        let old = (UInt64(1)...6).map {
            Self.record(
                $0, asset: $0 % 2 == 0 ? "#AAPL" : "EURUSD_otc", time: 1_756_000_000 + Int64($0) * 60, scored: true)
        }
        try Self.writeOldLayout(old, directory: dir.path)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/%23AAPL/signals"))
        let before = try SignalJournalReader.read(directory: dir.path)
        #expect(before.chunks == 2 && before.damaged == 0)
        #expect(before.records.filter { $0.asset == "#AAPL" } == old.filter { $0.asset == "#AAPL" })
        #expect(before.records.filter { $0.asset == "EURUSD_otc" } == old.filter { $0.asset == "EURUSD_otc" })

        let writer = SignalJournalWriter(directory: dir.path, durable: false)
        let new = (UInt64(7)...10).map {
            Self.record(
                $0, asset: $0 % 2 == 0 ? "#AAPL" : "GBPUSD_otc", time: 1_756_000_000 + Int64($0) * 60, scored: false)
        }
        for r in new { try writer.append(r) }
        try writer.close()
        let both = try SignalJournalReader.read(directory: dir.path)
        #expect(both.chunks == 3 && both.damaged == 0)
        #expect(both.records == before.records + new)
        let aapl = try SignalJournalEntry.load(directory: dir.path, asset: "#AAPL").entries
        #expect(aapl.map(\.record.id) == [2, 4, 6, 8, 10])
        #expect(aapl.map { $0.record.outcome != nil } == [true, true, true, false, false])
    }

    /// Test: a run-level chunk cut inside a record, a record whose asset runs past its payload,
    /// a chunk that is no LZ4 frame and one of another kind are each one damaged chunk; the
    /// records before the damage are read, the journal's other chunks whole.
    @Test("Damaged run-level chunks are counted; the records before the damage are kept")
    func damagedChunks() throws {
        let dir = TempDir()
        let writer = SignalJournalWriter(directory: dir.path, durable: false)
        let good = (UInt64(1)...3).map {
            Self.record($0, asset: "EURUSD_otc", time: 1_756_000_000 + Int64($0), scored: false)
        }
        for r in good { try writer.append(r) }
        try writer.close()
        let folder = dir.path + "/" + ChunkNaming.journalFolder

        var header = ChunkHeader(
            kind: .signals, asset: ChunkNaming.journalHeaderAsset, timeframeSeconds: 0, recordLimit: 1000)
        header.encoding = SignalRecord.assetEncoding
        var cut = header.bytes
        let damaged = (UInt64(11)...13).map { Self.record($0, asset: "#AAPL", time: 1_756_001_000, scored: true) }
        for r in damaged { r.encode(into: &cut, encoding: SignalRecord.assetEncoding) }
        cut.removeLast(7)  // the third record cut short
        try cut.withUnsafeBytes {
            try ArchiveHardeningTests.writeFrame(folder + "/" + ChunkNaming.journalFileName(time: 1, sequence: 1), $0)
        }
        var badAsset = header.bytes
        var one: [UInt8] = []
        damaged[0].encode(into: &one, encoding: SignalRecord.assetEncoding)
        one[5] = 250  // the asset's length: past the record's payload
        badAsset += one
        try badAsset.withUnsafeBytes {
            try ArchiveHardeningTests.writeFrame(folder + "/" + ChunkNaming.journalFileName(time: 2, sequence: 1), $0)
        }
        try Data("not a chunk".utf8).write(
            to: URL(fileURLWithPath: folder + "/" + ChunkNaming.journalFileName(time: 3, sequence: 1)))
        let ticks = ChunkHeader(kind: .ticks, asset: "EURUSD_otc", timeframeSeconds: 0).bytes
        try ticks.withUnsafeBytes {
            try ArchiveHardeningTests.writeFrame(folder + "/" + ChunkNaming.journalFileName(time: 4, sequence: 1), $0)
        }

        let journal = try SignalJournalReader.read(directory: dir.path)
        #expect(journal.chunks == 5)
        #expect(journal.damaged == 4)
        #expect(journal.records.map(\.id) == [11, 12, 1, 2, 3])
        // The archive reader marks the cut chunk damaged too.
        let summary = try ArchiveReader().scan(
            folder + "/" + ChunkNaming.journalFileName(time: 1, sequence: 1), ticks: { _ in }, candles: { _ in })
        #expect(summary.records == 2)
        if case .damaged = summary.condition {} else { Issue.record("cut chunk: \(summary.condition)") }
    }

    /// Test: the journal folder is no asset: the catalog (the CSV API's listing) and the asset
    /// list of stored candles are the same with it as without it; the index (`qflux ls`) adds
    /// one `*` signals series.
    @Test("The catalog and the stored-candle assets ignore the journal folder; the index lists it as `*`")
    func catalogIgnoresJournal() throws {
        let f = try ArchiveCatalogTests.Fixture()
        let catalog = ArchiveCatalog(directory: f.data)
        let entries = catalog.listing().entries.map(\.filename)
        let skipped = catalog.listing().skipped.map(\.path)
        let assets = ArchiveTail.assets(directory: f.data, timeframeSeconds: 60)
        let series = try ArchiveIndex.scan(directory: f.data).series.map(\.asset).sorted() + ["*"]
        let writer = SignalJournalWriter(directory: f.data, durable: false)
        try writer.append(Self.record(1, asset: "EURUSD_otc", time: 1_756_866_000, scored: false))
        try writer.close()
        #expect(FileManager.default.fileExists(atPath: f.data + "/" + ChunkNaming.journalFolder))
        #expect(CatalogNames.assetName(folder: ChunkNaming.journalFolder) == nil)
        #expect(catalog.listing().entries.map(\.filename) == entries)
        #expect(catalog.listing().skipped.map(\.path) == skipped)
        #expect(ArchiveTail.assets(directory: f.data, timeframeSeconds: 60) == assets)
        let index = try ArchiveIndex.scan(directory: f.data)
        // The index lists the journal as one series of asset `*` (what `qflux ls` shows).
        #expect(index.series.map(\.asset).sorted() == series.sorted())
        #expect(index.chunks.contains { $0.header.kind == .signals && $0.records == 1 && $0.condition == .complete })
    }

    /// Test: over a multi-asset `replay --signals` run, `export --kind signals`, `qflux signals`
    /// (with and without `--asset`) and `/api/signals` give the same output from the run-level
    /// journal as from the same records in the per-asset layout the earlier writer made.
    @Test("export, qflux signals and /api/signals: the same from both layouts")
    func sameEntriesBothLayouts() throws {
        let dir = TempDir()
        let capture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_012215.cdp.jsonl").path
        let replay = try CLITests.qflux([
            "replay", capture, "--signals", "quantum_flux@5s,quantum_flux_ta@5s", "--timeframes", "5s", "--data-dir",
            dir.path, "--collect-stream", "candle", "-q",
        ])
        try #require(replay.status == 0, "\(replay.stderr)")
        let new = dir.path + "/new"
        let old = dir.path + "/old"
        try FileManager.default.createDirectory(atPath: new, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name != "new" {
            try FileManager.default.moveItem(atPath: dir.path + "/" + name, toPath: new + "/" + name)
        }
        try FileManager.default.copyItem(atPath: new, toPath: old)
        // The fixture's signals are all of one asset: a second run journals them again for two
        // more assets (one with candles archived, one without), interleaved.
        let replayed = try SignalJournalReader.read(directory: new)
        try #require(!replayed.records.isEmpty)
        let more = SignalJournalWriter(directory: new, durable: false)
        for r in replayed.records {
            for asset in ["EURGBP_otc", "#AAPL"] {
                var copy = r
                copy.asset = asset
                try more.append(copy)
            }
        }
        try more.close()
        let journal = try SignalJournalReader.read(directory: new)
        let assets = Set(journal.records.map(\.asset))
        try #require(assets.count >= 3, "a multi-asset journal: \(assets)")
        try FileManager.default.removeItem(atPath: old + "/" + ChunkNaming.journalFolder)
        try Self.writeOldLayout(journal.records, directory: old)
        #expect(try SignalJournalReader.read(directory: old).records.count == journal.records.count)

        var runs: [[String]] = [
            ["export", "DIR", "--kind", "signals", "--format", "jsonl", "-q"],
            ["signals", "DIR"],
        ]
        for asset in assets.sorted() {
            runs.append(["export", "DIR", "--kind", "signals", "--format", "jsonl", "--asset", asset, "-q"])
            runs.append(["signals", "DIR", "--asset", asset])
        }
        for args in runs {
            let a = try CLITests.qflux(args.map { $0 == "DIR" ? new : $0 })
            let b = try CLITests.qflux(args.map { $0 == "DIR" ? old : $0 })
            #expect(a.status == 0 && b.status == 0, "\(args): \(a.stderr) \(b.stderr)")
            #expect(!a.stdout.isEmpty)
            // The chunk count differs (one chunk per run, not per asset and run); nothing else.
            func same(_ text: String, _ dir: String) -> String {
                text.replacingOccurrences(of: dir, with: "DIR").replacing(/from \d+ chunks/, with: "from N chunks")
            }
            #expect(same(a.stdout, new) == same(b.stdout, old), "\(args)")
        }

        let pipeline = try MarketPipeline(configuration: PipelineConfiguration(), logger: ArchiveTestData.logger)
        for (since, limit) in [(Int64(0), 1000), (0, 3), (journal.records.map(\.time).min()! + 30, 5)] {
            let a = try PipelineDataSource(pipeline: pipeline, archiveDirectory: new, source: nil)
                .signalJournalJSON(since: since, limit: limit)
            let b = try PipelineDataSource(pipeline: pipeline, archiveDirectory: old, source: nil)
                .signalJournalJSON(since: since, limit: limit)
            #expect(a != nil && a == b, "since \(since) limit \(limit)")
        }
    }
}
