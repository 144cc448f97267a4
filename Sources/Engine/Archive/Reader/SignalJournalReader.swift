#if canImport(Glibc)
import Glibc
#endif

/// Reads the signal journal under a data directory (every `ASSET/signals/` chunk, closed or
/// `.open`, up to its last complete block), in chunk-name order per asset.
package enum SignalJournalReader {
    /// What was read.
    package struct Journal: Sendable {
        /// Records in file order (a signal's result comes after the signal).
        package var records: [SignalRecord]
        /// Chunks read.
        package var chunks: Int
        /// Chunks that were damaged or cut short (read up to the damage).
        package var damaged: Int
    }

    /// Reads every journal chunk under `directory`.
    package static func read(directory: String) throws(ArchiveError) -> Journal {
        var journal = Journal(records: [], chunks: 0, damaged: 0)
        let decompressor = try ChunkDecompressor()
        for asset in listing(directory).sorted() {
            let folder = directory + "/" + asset + "/signals"
            for name in listing(folder).sorted() where ChunkNaming.isChunk(name) {
                let path = folder + "/" + name
                var header: ChunkHeader?
                var headerLength = 0
                let condition = try decompressor.decompress(path) { (out: ByteBuffer) throws(ArchiveError) -> Int in
                    if header == nil, out.count >= ChunkHeader.fixedSizeV2 {
                        let raw = UnsafeRawBufferPointer(start: out.base, count: out.count)
                        if let parsed = try? ChunkHeader.parse(raw, path: path) {
                            header = parsed.0
                            headerLength = parsed.1
                        }
                    }
                    return header.map { $0.maxDecodedBytes(headerLength: headerLength) } ?? (1 << 16)
                }
                journal.chunks += 1
                if case .damaged = condition { journal.damaged += 1 }
                let out = decompressor.output
                let raw = UnsafeRawBufferPointer(start: out.base, count: out.count)
                guard let (h, start) = try? ChunkHeader.parse(raw, path: path), h.kind == .signals else {
                    journal.damaged += 1
                    continue
                }
                var offset = start
                while offset < raw.count {
                    guard let (record, next) = SignalRecord.decode(raw, offset: offset, asset: h.asset) else {
                        journal.damaged += 1
                        break
                    }
                    journal.records.append(record)
                    offset = next
                }
            }
        }
        return journal
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
