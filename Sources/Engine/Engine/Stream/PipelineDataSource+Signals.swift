import Archive
import TextWriters

extension PipelineDataSource {
    /// `GET /api/signals` (HTTP queue): the journal under the data directory merged per signal
    /// (its result when scored, ``SignalJournalEntry``), oldest first from `since`, at most `limit`
    /// entries; `next_since` is the time to ask from for the rest (null when none are left). The
    /// read is bounded once the chunks are known: ``SignalJournalPager`` reads only the chunks
    /// the page needs (the first request reads them all).
    func signalJournalJSON(since: Int64, limit: Int) throws -> [UInt8]? {
        guard let archiveDirectory else { return nil }
        let page = try signalPager.page(directory: archiveDirectory, since: since, limit: limit)
        var w = JSONWriter(capacity: 64 + page.entries.count * 240)
        w.raw("{\"signals\":[")
        for (i, e) in page.entries.enumerated() {
            if i > 0 { w.comma() }
            e.jsonLine(into: &w)
        }
        w.raw("],\"count\":")
        w.integer(Int64(page.entries.count))
        w.raw(",\"next_since\":")
        if let next = page.nextSince { w.integer(next) } else { w.raw("null") }
        w.raw("}")
        return w.bytes
    }
}
