#if canImport(Glibc)
import Glibc
#endif

/// Reads the signal journal under a data directory, every chunk closed or `.open` up to its last
/// complete block: the per-asset chunks of earlier versions (`ASSET/signals/`, encoding 3) in
/// chunk-name order per asset, then the run-level chunks (``ChunkNaming/journalFolder``,
/// encoding 4) in chunk-name order.
package enum SignalJournalReader {
    /// What was read.
    package struct Journal: Sendable {
        /// Records in file order (a signal's result comes after the signal).
        package var records: [SignalRecord]
        /// Chunks read.
        package var chunks: Int
        /// Chunks that were damaged or cut short (read up to the damage).
        package var damaged: Int

        /// Nothing read yet.
        package init() {
            records = []
            chunks = 0
            damaged = 0
        }
    }

    /// Reads every journal chunk under `directory`.
    package static func read(directory: String) throws(ArchiveError) -> Journal {
        var journal = Journal()
        let decompressor = try ChunkDecompressor()
        for path in chunkPaths(directory: directory) {
            try readChunk(path, decompressor, into: &journal)
        }
        return journal
    }

    /// The journal's chunk files under `directory` in reading order: the per-asset chunks (by
    /// asset folder, then name), then the run-level ones (by name).
    package static func chunkPaths(directory: String) -> [String] {
        var paths: [String] = []
        for asset in listing(directory).sorted() where asset != ChunkNaming.journalFolder {
            let folder = directory + "/" + asset + "/signals"
            for name in listing(folder).sorted() where ChunkNaming.isChunk(name) { paths.append(folder + "/" + name) }
        }
        let folder = directory + "/" + ChunkNaming.journalFolder
        for name in listing(folder).sorted() where ChunkNaming.isChunk(name) { paths.append(folder + "/" + name) }
        return paths
    }

    /// Reads single journal chunks (``readChunk(_:_:into:)``) with one decompressor. Not
    /// thread-safe: one thread reads.
    package final class ChunkReader {
        private let decompressor: ChunkDecompressor

        /// A reader.
        package init() throws(ArchiveError) { decompressor = try ChunkDecompressor() }

        /// Appends the chunk's records to `journal` (see ``readChunk(_:_:into:)``).
        package func read(_ path: String, into journal: inout Journal) throws(ArchiveError) {
            try readChunk(path, decompressor, into: &journal)
        }
    }

    /// Appends a chunk's records (either encoding) to `journal`; a chunk that is not a journal
    /// chunk (or no LZ4 frame at all), or is damaged or cut inside a record, counts as damaged
    /// (its records before the damage kept). Throws only when the file cannot be read.
    static func readChunk(
        _ path: String, _ decompressor: ChunkDecompressor, into journal: inout Journal
    ) throws(ArchiveError) {
        var header: ChunkHeader?
        var headerLength = 0
        // Until the header is read: room for the longest header and a first step of records.
        let initialBound = ChunkHeader.fixedSizeV2 + Int(UInt16.max) + ChunkDecompressor.step
        let condition: ChunkCondition
        do {
            condition = try decompressor.decompress(path) { (out: ByteBuffer) throws(ArchiveError) -> Int in
                if header == nil, out.count >= ChunkHeader.fixedSize {
                    let raw = UnsafeRawBufferPointer(start: out.base, count: out.count)
                    if let parsed = try? ChunkHeader.parse(raw, path: path) {
                        header = parsed.0
                        headerLength = parsed.1
                    }
                }
                return header.map { $0.maxDecodedBytes(headerLength: headerLength) } ?? initialBound
            }
        } catch  where error.code == .notAnArchive {
            // Not an LZ4 frame, or not a regular file: a damaged chunk, not a failed journal.
            journal.chunks += 1
            journal.damaged += 1
            return
        }
        journal.chunks += 1
        let out = decompressor.output
        // An open chunk whose first block never reached the disk (a crash right after its
        // creation) holds nothing, and is no damage.
        if out.count == 0, condition == .truncated, path.hasSuffix(ChunkNaming.openSuffix) { return }
        var damaged = false
        if case .damaged = condition { damaged = true }
        defer { if damaged { journal.damaged += 1 } }
        let raw = UnsafeRawBufferPointer(start: out.base, count: out.count)
        guard let (h, start) = try? ChunkHeader.parse(raw, path: path), h.kind == .signals else {
            damaged = true
            return
        }
        let end = SignalRecord.scan(raw, from: start, limit: h.recordLimit, encoding: h.encoding, asset: h.asset) {
            journal.records.append($0)
        }
        if end != .clean { damaged = true }
    }

    /// Names in a directory (empty when it cannot be read).
    static func listing(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}
