import Archive
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One page of the signal journal (`/api/signals`) without reading the whole journal each time:
/// it learns each closed chunk's span (its records' first and last time) when it reads it, and
/// later pages skip chunks that end before `since` and stop once no unread chunk can change the
/// page (every unread chunk starts after the page's last entry and the next one). Open chunks,
/// chunks not seen before and chunks whose size changed are always read. The page equals the
/// one a whole read gives (records are merged in the whole read's order).
package final class SignalJournalPager: Sendable {
    private struct Span: Sendable {
        var size: Int
        var first: Int64
        var last: Int64
    }

    /// What a page holds.
    package struct Page: Sendable {
        /// The entries shown (at most `limit`, unless one second holds more).
        package var entries: [SignalJournalEntry]
        /// The time to ask from for the rest; nil when none are left.
        package var nextSince: Int64?
        /// Chunk files read for this page.
        package var chunksRead: Int
    }

    /// Most chunk spans kept (past it they are forgotten, and learned again).
    package static let maxSpans = 1 << 16
    private let spans = Mutex<[String: Span]>([:])

    /// A pager that knows no chunk yet.
    package init() {}

    /// The page of at most `limit` entries from `since` of the journal under `directory`.
    package func page(directory: String, since: Int64, limit: Int) throws(ArchiveError) -> Page {
        let paths = SignalJournalReader.chunkPaths(directory: directory)
        let known = spans.withLock { $0 }
        var learned: [String: Span] = [:]
        var unread: [(order: Int, span: Span)] = []
        var records: [[SignalRecord]] = Array(repeating: [], count: paths.count)
        let reader = try SignalJournalReader.ChunkReader()
        var chunksRead = 0

        func read(_ order: Int) throws(ArchiveError) {
            let path = paths[order]
            let size = Self.fileSize(path)
            var journal = SignalJournalReader.Journal()
            try reader.read(path, into: &journal)
            chunksRead += 1
            records[order] = journal.records
            // Closed chunks do not change: their span holds until their size does.
            if size >= 0, !path.hasSuffix(ChunkNaming.openSuffix), size == Self.fileSize(path) {
                let times = journal.records.map(\.time)
                learned[path] = Span(size: size, first: times.min() ?? .max, last: times.max() ?? .min)
            }
        }

        for (order, path) in paths.enumerated() {
            if !path.hasSuffix(ChunkNaming.openSuffix), let span = known[path], span.size == Self.fileSize(path) {
                if span.last >= since { unread.append((order, span)) }  // else: nothing from `since` on
            } else {
                try read(order)
            }
        }
        unread.sort { ($0.span.first, $0.order) < ($1.span.first, $1.order) }
        var next = 0
        while next < unread.count {
            // Every record before `start` has been read: a page (and the entry after it) made
            // of entries before it is final.
            let start = unread[next].span.first
            let before = records.reduce(0) { sum, chunk in sum + chunk.count { r in r.time >= since && r.time < start }
            }
            if before > limit {
                let entries = SignalJournalEntry.merged(records.flatMap { $0 }, since: since)
                let last = max(limit, SignalJournalEntry.pageCount(entries, limit: limit))
                if last < entries.count && entries[last].record.time < start { break }
            }
            try read(unread[next].order)
            next += 1
        }
        let entries = SignalJournalEntry.merged(records.flatMap { $0 }, since: since)
        let shown = SignalJournalEntry.pageCount(entries, limit: limit)
        if !learned.isEmpty {
            spans.withLock {
                if $0.count + learned.count > Self.maxSpans { $0.removeAll() }
                $0.merge(learned) { _, new in new }
            }
        }
        return Page(
            entries: Array(entries[..<shown]), nextSince: shown < entries.count ? entries[shown].record.time : nil,
            chunksRead: chunksRead)
    }

    /// A file's size in bytes, -1 when it cannot be read.
    private static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }
}
