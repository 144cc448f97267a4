import Archive
import Engine
import Foundation
import Testing

/// `/api/signals`' bounded read: pages equal those of a whole read, and a pager that knows the
/// journal's closed chunks reads only the ones a page needs.
@Suite("Signal journal pages")
struct SignalJournalPagerTests {
    /// Four runs of 30 signals each (three assets, every signal scored 3 signals later, so
    /// results land in later chunks than their signals), chunks of 10 records; the last run left
    /// open (its chunk `.open`); and per-asset chunks of an earlier version before them.
    static func journal(_ dir: String) throws -> SignalJournalWriter {
        var old: [SignalRecord] = []
        for id in UInt64(1)...6 {
            old.append(SignalJournalLayoutTests.record(id, asset: "AUDCAD_otc", time: 1_000 + Int64(id), scored: true))
        }
        try SignalJournalLayoutTests.writeOldLayout(old, directory: dir)
        var open: SignalJournalWriter?
        for run in 0..<4 {
            let writer = SignalJournalWriter(directory: dir, chunkSize: 10, durable: false)
            var pending: [SignalRecord] = []
            for k in 0..<30 {
                let id = UInt64(100 + run * 30 + k)
                // Two signals a second: pages must not split a second.
                let time = 2_000 + Int64(run * 15 + k / 2)
                let asset = ["EURUSD_otc", "#AAPL", "GBPUSD_otc"][k % 3]
                try writer.append(SignalJournalLayoutTests.record(id, asset: asset, time: time, scored: false))
                pending.append(SignalJournalLayoutTests.record(id, asset: asset, time: time, scored: true))
                if pending.count > 3 { try writer.append(pending.removeFirst()) }
            }
            if run == 3 { pending.removeLast() }  // its last signal stays pending; its last chunk open
            for r in pending { try writer.append(r) }
            if run < 3 { try writer.close() } else { open = writer }
        }
        return open!
    }

    /// The page a whole read gives.
    static func wholePage(_ dir: String, since: Int64, limit: Int) throws -> (
        entries: [SignalJournalEntry], nextSince: Int64?
    ) {
        let entries = try SignalJournalEntry.load(directory: dir, since: since).entries
        let shown = SignalJournalEntry.pageCount(entries, limit: limit)
        return (Array(entries[..<shown]), shown < entries.count ? entries[shown].record.time : nil)
    }

    /// Test: every page, walked by `next_since`, equals the whole read's, cold and warm; warm
    /// pages read only the chunks they need (and the open one); past the end reads no closed chunk.
    @Test("Pages equal the whole read's; a warm pager reads only the chunks a page needs")
    func pagesBounded() throws {
        let dir = TempDir()
        let open = try Self.journal(dir.path)
        defer { try? open.close() }
        let chunks = SignalJournalReader.chunkPaths(directory: dir.path)
        try #require(chunks.count == 1 + 4 * 6)  // 1 old; 60 (59) records per run in chunks of 10
        #expect(chunks.filter { $0.hasSuffix(ChunkNaming.openSuffix) }.count == 1)

        let pager = SignalJournalPager()
        for limit in [1, 7, 25, 1000] {
            var since: Int64? = 0
            var pages = 0
            var total = 0
            while let from = since {
                let expected = try Self.wholePage(dir.path, since: from, limit: limit)
                let cold = try SignalJournalPager().page(directory: dir.path, since: from, limit: limit)
                let warm = try pager.page(directory: dir.path, since: from, limit: limit)
                let again = try pager.page(directory: dir.path, since: from, limit: limit)
                for page in [cold, warm, again] {
                    #expect(page.entries == expected.entries, "limit \(limit) since \(from)")
                    #expect(page.nextSince == expected.nextSince, "limit \(limit) since \(from)")
                }
                #expect(cold.chunksRead == chunks.count)
                if limit < 25 && from > 2_000 {
                    // A page of a few seconds: the open chunk and about two closed ones around it.
                    #expect(again.chunksRead <= 6, "limit \(limit) since \(from): \(again.chunksRead) chunks")
                }
                #expect(!expected.entries.isEmpty)
                total += expected.entries.count
                since = expected.nextSince
                pages += 1
            }
            #expect(total == 6 + 120, "limit \(limit): \(pages) pages")
        }
        let past = try pager.page(directory: dir.path, since: 10_000, limit: 10)
        #expect(past.entries.isEmpty && past.nextSince == nil)
        #expect(past.chunksRead == 1)  // the open chunk only
    }

    /// Test: a chunk the pager has not seen (a later run reaching back in time) and a closed
    /// chunk whose size changed are read, so a page never comes from a stale span.
    @Test("New chunks and chunks whose size changed are read again")
    func changedChunksReread() throws {
        let dir = TempDir()
        let open = try Self.journal(dir.path)
        try open.close()
        let pager = SignalJournalPager()
        _ = try pager.page(directory: dir.path, since: 0, limit: 5)
        let writer = SignalJournalWriter(directory: dir.path, durable: false)
        try writer.append(SignalJournalLayoutTests.record(999, asset: "EURUSD_otc", time: 500, scored: true))
        try writer.close()
        let page = try pager.page(directory: dir.path, since: 0, limit: 5)
        #expect(page.entries.first?.record.id == 999)
        #expect(page.entries == (try Self.wholePage(dir.path, since: 0, limit: 5)).entries)

        // The newest closed chunk rewritten (another size): its new early record is found.
        let last = try #require(
            SignalJournalReader.chunkPaths(directory: dir.path).last { $0.hasSuffix(ChunkNaming.closedSuffix) })
        var header = ChunkHeader(
            kind: .signals, asset: ChunkNaming.journalHeaderAsset, timeframeSeconds: 0, recordLimit: 1000)
        header.encoding = SignalRecord.assetEncoding
        var bytes = header.bytes
        SignalJournalLayoutTests.record(998, asset: "#AAPL", time: 400, scored: false)
            .encode(into: &bytes, encoding: SignalRecord.assetEncoding)
        try bytes.withUnsafeBytes { try ArchiveHardeningTests.writeFrame(last, $0) }
        let rewritten = try pager.page(directory: dir.path, since: 0, limit: 5)
        #expect(rewritten.entries.first?.record.id == 998)
        #expect(rewritten.entries == (try Self.wholePage(dir.path, since: 0, limit: 5)).entries)
    }
}
