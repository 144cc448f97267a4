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
    /// The ticks (tick chunks).
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
    /// be read or does not start with a qflux header; damage after the header is reported in the
    /// summary's condition.
    package func scan(_ path: String, ticks: (TickRecord) -> Void, candles: (CandleRecord) -> Void) throws(ArchiveError) -> ChunkSummary {
        try decompressor.load(path)
        var condition = decompressor.decompress()
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
                // An open chunk whose first block never reached the disk.
                let h = ChunkHeader(kind: .ticks, asset: "", timeframeSeconds: 0)
                return ChunkSummary(path: path, header: h, isOpen: path.hasSuffix(ChunkNaming.openSuffix),
                                    condition: .truncated, records: 0, firstTime: .nan, lastTime: .nan,
                                    compressedBytes: decompressor.input.count, decodedBytes: 0)
            }
            throw error
        }
        var records = 0
        var first = Double.infinity, last = -Double.infinity
        do {
            let cut: Bool
            switch header.kind {
            case .ticks:
                cut = try RecordDecoder.ticks(bytes, from: offset) { t in
                    records += 1
                    first = min(first, t.time)
                    last = max(last, t.time)
                    ticks(t)
                }
            case .candles:
                cut = try RecordDecoder.candles(bytes, from: offset) { c in
                    records += 1
                    first = min(first, Double(c.start))
                    last = max(last, Double(c.start))
                    candles(c)
                }
            }
            if cut, condition == .complete { condition = .damaged("frame ends inside a record") }
        } catch {
            if case .damaged = condition {} else { condition = .damaged("undecodable record after \(records) records") }
        }
        return ChunkSummary(path: path, header: header, isOpen: path.hasSuffix(ChunkNaming.openSuffix),
                            condition: condition, records: records,
                            firstTime: records > 0 ? first : .nan, lastTime: records > 0 ? last : .nan,
                            compressedBytes: decompressor.input.count, decodedBytes: bytes.count)
    }
}
