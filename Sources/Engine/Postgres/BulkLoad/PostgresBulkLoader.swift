import Archive
import Candles
import FastDecode

/// What `qflux export DIR --to postgresql://…` did.
package struct PostgresLoadSummary: Sendable {
    /// Rows inserted (ticks) or inserted/updated (candles) by this run.
    package var rows = 0
    /// Chunks read and loaded (wholly or the records added since an earlier load).
    package var chunksLoaded = 0
    /// Chunks an earlier load had loaded completely: nothing added.
    package var chunksAlreadyLoaded = 0
    /// Records left out: time or price outside ``MarketLimits`` (a damaged or poisoned archive).
    package var skippedAbsurd = 0
    /// Assets loaded.
    package var assets: [String] = []
    /// Chunks read up to their last complete block (a crash, or still being written).
    package var truncated: [String] = []
    /// Chunks read up to damage.
    package var damaged: [String] = []
    /// Transactions committed.
    package var transactions = 0
}

/// Loads an archive's ticks into `historical_ticks` (or its candles into `candles`) with
/// `COPY … FROM STDIN` in text format, many chunks per transaction.
///
/// Idempotent: each transaction also records, in `qflux_loaded_chunks`, every chunk it loaded
/// (its path inside the archive, `.open` dropped) and how many of its records. A rerun skips
/// chunks loaded completely and, for a chunk that has grown since (it was open), loads only the
/// records after those already loaded. The rows and the record counts commit together, so a
/// load stopped at any point (Ctrl-C, kill -9, a lost server) resumes without duplicates.
package final class PostgresBulkLoader {
    /// Which records.
    package struct Options: Sendable {
        /// Asset spelling (matched like `qflux export --asset`); nil for all.
        package var asset: String?
        /// Ticks or candles; nil: ticks when there are any, else candles.
        package var kind: ArchiveKind?
        /// Rows per transaction (at least; whole chunks).
        package var rowsPerTransaction = 500_000

        /// Options.
        package init(asset: String? = nil, kind: ArchiveKind? = nil) {
            self.asset = asset
            self.kind = kind
        }
    }

    private let directory: String
    private let connection: PostgresConnection
    private let options: Options
    private let progress: ((Int, Int) -> Void)?
    private var rows = CopyRows()
    private var summary = PostgresLoadSummary()
    /// A failure to send COPY data met inside a chunk scan (thrown once the scan returns).
    private var copyFailure: PostgresError?

    /// A loader over an open connection; `progress` gets (compressed bytes read, total).
    package init(
        directory: String, connection: PostgresConnection, options: Options,
        progress: ((Int, Int) -> Void)? = nil
    ) {
        self.directory = directory
        self.connection = connection
        self.options = options
        self.progress = progress
    }

    /// A failure: the archive's or the server's.
    package enum Failure: Error, CustomStringConvertible {
        case archive(ArchiveError)
        case postgres(PostgresError)

        /// One line.
        package var description: String {
            switch self {
            case let .archive(e): "\(e)"
            case let .postgres(e): e.message
            }
        }
    }

    /// One chunk to load: where, and how many of its records are in the database already.
    private struct Work {
        var chunk: ChunkSummary
        var key: String
        var asset: String
        var timeframe: Int
        var loaded: Int
    }

    /// Loads. Creates the tables when absent.
    package func run() throws(Failure) -> PostgresLoadSummary {
        let index: ArchiveIndex
        do { index = try ArchiveIndex.scan(directory: directory) } catch { throw .archive(error) }
        for (path, _) in index.unreadable { summary.damaged.append(path) }
        var series = index.series
        if let asset = options.asset {
            let key = AssetDirectory.looseKey(asset)
            let exact = series.filter { $0.asset == asset }
            series = exact.isEmpty ? series.filter { AssetDirectory.looseKey($0.asset) == key } : exact
            if series.isEmpty {
                let known = Set(index.series.map(\.asset)).sorted().joined(separator: ", ")
                throw .archive(
                    ArchiveError(.noChunks, path: directory, detail: "no data for asset '\(asset)' (have: \(known))"))
            }
        }
        let kind = options.kind ?? (series.contains { $0.kind == .ticks } ? .ticks : .candles)
        guard kind == .ticks || kind == .candles else {
            throw .archive(
                ArchiveError(.noChunks, path: directory, detail: "\(kind) have no table: load ticks or candles"))
        }
        series = series.filter { $0.kind == kind }
        guard !series.isEmpty else {
            throw .archive(
                ArchiveError(.noChunks, path: directory, detail: "no \(kind == .ticks ? "tick" : "candle") chunks"))
        }
        for s in series where s.asset.utf8.count > PostgresSchema.pairLength {
            throw .archive(
                ArchiveError(
                    .noChunks, path: directory,
                    detail:
                        "asset name '\(s.asset)' is longer than the \(PostgresSchema.pairLength) characters of the pair column"
                ))
        }
        summary.assets = Array(Set(series.map(\.asset))).sorted()
        let loaded: [String: Int]
        do throws(PostgresError) {
            try PostgresSchema.ensure(connection)
            loaded = Dictionary(
                try connection.query("SELECT chunk, records FROM qflux_loaded_chunks").compactMap { row in
                    guard let key = row[0], let n = row[1].flatMap({ Int($0) }) else { return nil }
                    return (key, n)
                }, uniquingKeysWith: max)
        } catch { throw .postgres(error) }

        var work: [Work] = []
        for s in series {
            for chunk in s.chunks {
                let key = Self.chunkKey(chunk.path, directory: directory)
                let done = loaded[key] ?? 0
                if done >= chunk.records, chunk.records > 0 || loaded[key] != nil {
                    summary.chunksAlreadyLoaded += 1
                    continue
                }
                work.append(Work(chunk: chunk, key: key, asset: s.asset, timeframe: s.timeframeSeconds, loaded: done))
            }
        }
        let total = series.reduce(0) { $0 + $1.compressedBytes }
        var done = total - work.reduce(0) { $0 + $1.chunk.compressedBytes }
        progress?(done, total)
        var reader: ArchiveReader
        do { reader = try ArchiveReader() } catch { throw .archive(error) }
        var start = 0
        while start < work.count {
            var end = start
            var planned = 0
            while end < work.count, planned < options.rowsPerTransaction || end == start {
                planned += work[end].chunk.records - work[end].loaded
                end += 1
            }
            try loadTransaction(Array(work[start..<end]), kind: kind, reader: &reader)
            for w in work[start..<end] { done += w.chunk.compressedBytes }
            progress?(done, total)
            start = end
        }
        return summary
    }

    /// A chunk's identity across loads: its path inside the archive, without the `.open` an
    /// open chunk's name carries until it is closed.
    static func chunkKey(_ path: String, directory: String) -> String {
        var relative = path
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if relative.hasPrefix(prefix) { relative.removeFirst(prefix.count) }
        if relative.hasSuffix(ChunkNaming.openSuffix) {
            relative.removeLast(ChunkNaming.openSuffix.count - ChunkNaming.closedSuffix.count)
        }
        return relative
    }

    /// One transaction: COPY of the chunks' new records, their counts in `qflux_loaded_chunks`.
    private func loadTransaction(_ batch: [Work], kind: ArchiveKind, reader: inout ArchiveReader) throws(Failure) {
        var counts: [(Work, Int)] = []
        copyFailure = nil
        var archiveFailure: ArchiveError?
        do throws(PostgresError) {
            try connection.execute("BEGIN")
            if kind == .ticks {
                summary.rows += try connection.copyIn(
                    "COPY historical_ticks (pair, price, timestamp) FROM STDIN"
                ) { () throws(PostgresError) in
                    for w in batch {
                        let records: Int
                        do throws(ArchiveError) { records = try sendTicks(w, reader: reader) } catch {
                            archiveFailure = error
                            throw PostgresError(.statement, "archive read failed")
                        }
                        if let copyFailure { throw copyFailure }
                        counts.append((w, records))
                    }
                    try flush(force: true)
                }
            } else {
                try connection.execute(
                    """
                    CREATE TEMPORARY TABLE qflux_candles_load (seq bigserial, pair text, timeframe integer, \
                    timestamp bigint, open decimal(20,10), high decimal(20,10), low decimal(20,10), \
                    close decimal(20,10), volume double precision) ON COMMIT DROP
                    """)
                try connection.copyIn(
                    "COPY qflux_candles_load (pair, timeframe, timestamp, open, high, low, close, volume) FROM STDIN"
                ) { () throws(PostgresError) in
                    for w in batch {
                        let records: Int
                        do throws(ArchiveError) { records = try sendCandles(w, reader: reader) } catch {
                            archiveFailure = error
                            throw PostgresError(.statement, "archive read failed")
                        }
                        counts.append((w, records))
                    }
                    try flush(force: true)
                }
                summary.rows +=
                    try connection.query(
                        """
                        WITH latest AS (SELECT DISTINCT ON (pair, timeframe, timestamp) * FROM qflux_candles_load \
                        ORDER BY pair, timeframe, timestamp, seq DESC), \
                        upserted AS (INSERT INTO candles (pair, timeframe, timestamp, open, high, low, close, volume) \
                        SELECT pair, timeframe, timestamp, open, high, low, close, volume FROM latest \
                        ON CONFLICT (pair, timeframe, timestamp) DO UPDATE SET open = EXCLUDED.open, \
                        high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume \
                        RETURNING 1) SELECT count(*) FROM upserted
                        """
                    ).first?.first.flatMap { $0.flatMap { Int($0) } } ?? 0
            }
            for (w, records) in counts {
                try connection.query(
                    """
                    INSERT INTO qflux_loaded_chunks (chunk, pair, kind, records) VALUES ($1, $2, $3, $4) \
                    ON CONFLICT (chunk) DO UPDATE SET records = EXCLUDED.records, loaded_at = now()
                    """, [w.key, w.asset, kind == .ticks ? "ticks" : "candles", String(records)])
            }
            try connection.execute("COMMIT")
            summary.transactions += 1
            summary.chunksLoaded += counts.count
        } catch {
            if connection.isUsable { try? connection.execute("ROLLBACK") }
            if let archiveFailure { throw .archive(archiveFailure) }
            throw .postgres(error)
        }
    }

    /// Sends the chunk's tick rows after the first `w.loaded`; returns the chunk's record count.
    private func sendTicks(_ w: Work, reader: ArchiveReader) throws(ArchiveError) -> Int {
        let pair = CopyText.field(w.asset)
        var index = 0
        var absurd = 0
        var sendFailure: PostgresError?
        let skip = w.loaded
        let s = try pair.withUnsafeBufferPointer { pairBytes throws(ArchiveError) -> ChunkSummary in
            try reader.scan(
                w.chunk.path,
                ticks: { t in
                    index += 1
                    guard index > skip, sendFailure == nil else { return }
                    guard t.isPlausible else { absurd += 1; return }
                    rows.tick(pair: pairBytes, price: t.price, milliseconds: PostgresSchema.milliseconds(t.time))
                    if rows.out.count >= 1 << 20 {
                        do throws(PostgresError) { try flush(force: false) } catch { sendFailure = error }
                    }
                }, candles: { _ in })
        }
        copyFailure = sendFailure
        summary.skippedAbsurd += absurd
        note(s)
        return index
    }

    /// Sends the chunk's candle rows after the first `w.loaded`; returns the chunk's record count.
    private func sendCandles(_ w: Work, reader: ArchiveReader) throws(ArchiveError) -> Int {
        let pair = CopyText.field(w.asset)
        var index = 0
        var absurd = 0
        let s = try reader.scan(
            w.chunk.path, ticks: { _ in },
            candles: { c in
                index += 1
                guard index > w.loaded else { return }
                guard c.isPlausible else { absurd += 1; return }
                rows.candle(
                    pair: pair, timeframe: w.timeframe, milliseconds: c.start * 1000, open: c.open, high: c.high,
                    low: c.low, close: c.close, volume: Double(c.ticks))
            })
        summary.skippedAbsurd += absurd
        note(s)
        return index
    }

    private func flush(force: Bool) throws(PostgresError) {
        guard rows.out.count > 0 else { return }
        try connection.sendCopyData(rows.out.bytes)
        rows.out.removeAll()
    }

    private func note(_ s: ChunkSummary) {
        switch s.condition {
        case .complete: break
        case .truncated: summary.truncated.append(s.path)
        case .damaged: summary.damaged.append(s.path)
        }
    }
}
