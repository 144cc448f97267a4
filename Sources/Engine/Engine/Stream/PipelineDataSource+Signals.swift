import Archive
import TextWriters

extension PipelineDataSource {
    /// `GET /api/signals` (HTTP queue): the journal under the data directory merged per signal
    /// (its result when scored, ``SignalJournalEntry``), oldest first from `since`, at most `limit`
    /// entries; `next_since` is the time to ask from for the rest (null when none are left). The
    /// journal is read whole per request (as `qflux signals` does); the answer is bounded by `limit`.
    func signalJournalJSON(since: Int64, limit: Int) throws -> [UInt8]? {
        guard let archiveDirectory else { return nil }
        let entries = try SignalJournalEntry.load(directory: archiveDirectory, since: since).entries
        var shown = min(limit, entries.count)
        // A page never splits one second: the next page starts at the first time not shown.
        if shown < entries.count {
            let cut = entries[shown].record.time
            while shown > 0 && entries[shown - 1].record.time == cut { shown -= 1 }
            if shown == 0 {  // more than `limit` signals in one second: show them all
                while shown < entries.count && entries[shown].record.time == cut { shown += 1 }
            }
        }
        var w = JSONWriter(capacity: 64 + shown * 240)
        w.raw("{\"signals\":[")
        for (i, e) in entries[..<shown].enumerated() {
            if i > 0 { w.comma() }
            e.jsonLine(into: &w)
        }
        w.raw("],\"count\":")
        w.integer(Int64(shown))
        w.raw(",\"next_since\":")
        if shown < entries.count { w.integer(entries[shown].record.time) } else { w.raw("null") }
        w.raw("}")
        return w.bytes
    }
}
