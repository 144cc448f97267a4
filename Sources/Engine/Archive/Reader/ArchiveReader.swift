#if canImport(Glibc)
import Glibc
#endif

/// What one chunk holds and how much of it could be read.
package struct ChunkSummary: Sendable {
    /// The file.
    package var path: String
    /// The header (asset, kind, timeframe).
    package var header: ChunkHeader
    /// Whether the file still has its `.open` suffix (being written, or orphaned by a crash).
    package var isOpen: Bool
    /// How far it could be read.
    package var condition: ChunkCondition
    /// Records read.
    package var records: Int
    /// Earliest and latest record time (tick time or candle start), epoch seconds.
    package var firstTime: Double
    package var lastTime: Double
    /// File size.
    package var compressedBytes: Int
    /// Decompressed size of what could be read.
    package var decodedBytes: Int
}

/// A chunk read in full: summary plus records.
package struct ArchiveChunk: Sendable {
    /// Header, condition, counts.
    package var summary: ChunkSummary
    /// The ticks (tick chunks); for payout chunks, `price` is the payout in percent.
    package var ticks: [TickRecord] = []
    /// The candles (candle chunks), in file order (revisions included).
    package var candles: [CandleRecord] = []
}

/// Reads chunk files, tolerating truncation: a chunk cut short (a crash while writing) yields
/// the records of its complete blocks and ``ChunkCondition/truncated``; a damaged one yields the
/// records before the damage and ``ChunkCondition/damaged(_:)``. Reuses its buffers across reads;
/// use one reader per thread.
package struct ArchiveReader {
    private let decompressor: ChunkDecompressor

    /// A reader.
    package init() throws(ArchiveError) { decompressor = try ChunkDecompressor() }

    /// Reads one chunk into memory.
    package func read(_ path: String) throws(ArchiveError) -> ArchiveChunk {
        var ticks: [TickRecord] = []
        var candles: [CandleRecord] = []
        let summary = try scan(path, ticks: { ticks.append($0) }, candles: { candles.append($0) })
        return ArchiveChunk(summary: summary, ticks: ticks, candles: candles)
    }

    /// Streams one chunk's records to the closures (no array built). Throws when the file cannot
    /// be read, is not a regular file, does not start with a qflux header, or is a closed chunk
    /// without one (empty, or cut short before it); damage after the header is reported in the
    /// summary's condition. A chunk never yields more records than its header allows (format 2:
    /// the writer's chunk size; format 1: ``ChunkHeader/maxRecords``) nor decodes to more
    /// bytes than those records can take: past that it is damaged.
    /// An `.open` chunk that was closed (renamed) since it was listed is read under its closed name.
    package func scan(_ path: String, ticks: (TickRecord) -> Void, candles: (CandleRecord) -> Void) throws(ArchiveError)
        -> ChunkSummary
    {
        do {
            return try scanFile(path, ticks: ticks, candles: candles)
        } catch  where error.code == .read && error.errno == ENOENT && path.hasSuffix(ChunkNaming.openSuffix) {
            // The writer closed it meanwhile (a live archive): the same records, complete.
            return try scanFile(String(path.dropLast(".open".count)), ticks: ticks, candles: candles)
        }
    }

    private func scanFile(_ path: String, ticks: (TickRecord) -> Void, candles: (CandleRecord) -> Void)
        throws(ArchiveError) -> ChunkSummary
    {
        let isOpen = path.hasSuffix(ChunkNaming.openSuffix)
        var parsed: (header: ChunkHeader, length: Int)?
        // Until the header is read: room for the longest header and a first step of records.
        let initialBound = ChunkHeader.fixedSizeV2 + Int(UInt16.max) + ChunkDecompressor.step
        var condition = try decompressor.decompress(path) { (out: ByteBuffer) throws(ArchiveError) -> Int in
            if let parsed { return parsed.header.maxDecodedBytes(headerLength: parsed.length) }
            let bytes = out.bytes
            if bytes.count >= 4, !bytes.prefix(4).elementsEqual(ChunkHeader.magic) {
                throw ArchiveError(.notAnArchive, path: path, detail: "bad magic")
            }
            if bytes.count >= ChunkHeader.fixedSize {
                do throws(ArchiveError) {
                    parsed = try ChunkHeader.parse(bytes, path: path)
                } catch {
                    guard error.code == .badRecord else { throw error }  // else: header cut short, more to come
                }
                if let parsed { return parsed.header.maxDecodedBytes(headerLength: parsed.length) }
            }
            return initialBound
        }
        let bytes = decompressor.output.bytes
        let header: ChunkHeader
        let offset: Int
        do {
            (header, offset) = try ChunkHeader.parse(bytes, path: path)
        } catch {
            if case let .damaged(why) = condition, error.code != .unsupportedFormat {
                throw ArchiveError(.lz4, path: path, detail: why)
            }
            if condition == .truncated, error.code != .unsupportedFormat {
                guard isOpen else {
                    // A closed chunk always has its header: an empty or cut-short file is damage.
                    throw ArchiveError(
                        .badRecord, path: path,
                        detail: decompressor.fileSize == 0
                            ? "empty file (0 bytes)"
                            : "closed chunk cut short before its header (\(decompressor.fileSize) bytes)")
                }
                // An open chunk whose first block never reached the disk.
                let h = ChunkHeader(kind: .ticks, asset: "", timeframeSeconds: 0)
                return ChunkSummary(
                    path: path, header: h, isOpen: isOpen,
                    condition: .truncated, records: 0, firstTime: .nan, lastTime: .nan,
                    compressedBytes: decompressor.fileSize, decodedBytes: 0)
            }
            throw error
        }
        var records = 0
        var first = Double.infinity, last = -Double.infinity
        let limit = header.recordLimit
        do {
            let end: RecordEnd
            switch (header.kind, header.encoding) {
            case (.ticks, ChunkHeader.bitPackedEncoding), (.payouts, ChunkHeader.bitPackedEncoding):
                end = try RecordDecoder.bitTicks(bytes, from: offset, limit: limit) { t in
                    records += 1
                    first = min(first, t.time)
                    last = max(last, t.time)
                    ticks(t)
                }
            case (.ticks, _), (.payouts, _):
                end = try RecordDecoder.ticks(bytes, from: offset, limit: limit) { t in
                    records += 1
                    first = min(first, t.time)
                    last = max(last, t.time)
                    ticks(t)
                }
            case (.candles, _):
                end = try RecordDecoder.candles(bytes, from: offset, limit: limit) { c in
                    records += 1
                    first = min(first, Double(c.start))
                    last = max(last, Double(c.start))
                    candles(c)
                }
            case (.signals, _):
                end = SignalRecord.scan(
                    bytes, from: offset, limit: limit, encoding: header.encoding, asset: header.asset
                ) { r in
                    records += 1
                    first = min(first, Double(r.time))
                    last = max(last, Double(r.time))
                }
            }
            switch end {
            case .clean: break
            case .cut: if condition == .complete { condition = .damaged("frame ends inside a record") }
            case .overLimit:
                if case .damaged = condition {
                } else {
                    condition = .damaged("more records than its header allows (\(limit))")
                }
            }
        } catch {
            if case .damaged = condition {} else { condition = .damaged("undecodable record after \(records) records") }
        }
        // `min`/`max` pass NaN times by: with none but NaN, `first > last` and the chunk has no
        // time range (NaN, as for no records) – not +inf…-inf, which a reader's time window
        // would skip without counting its records.
        let timed = records > 0 && first <= last
        return ChunkSummary(
            path: path, header: header, isOpen: isOpen,
            condition: condition, records: records,
            firstTime: timed ? first : .nan, lastTime: timed ? last : .nan,
            compressedBytes: decompressor.fileSize, decodedBytes: bytes.count)
    }
}
