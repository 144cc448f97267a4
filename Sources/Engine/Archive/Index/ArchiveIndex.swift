import Foundation

/// What a data directory holds: every chunk's summary, grouped into series (asset, kind,
/// timeframe). Building it reads every chunk (decompression runs at GB/s).
package struct ArchiveIndex: Sendable {
    /// One asset's chunks of one kind and timeframe.
    package struct Series: Sendable {
        package var asset: String
        package var kind: ArchiveKind
        /// Seconds (0 for ticks).
        package var timeframeSeconds: Int
        /// Chunk summaries sorted by file name (first record time, then sequence).
        package var chunks: [ChunkSummary]
        package var records: Int { chunks.reduce(0) { $0 + $1.records } }
        package var compressedBytes: Int { chunks.reduce(0) { $0 + $1.compressedBytes } }
        package var firstTime: Double { chunks.map(\.firstTime).filter { !$0.isNaN }.min() ?? .nan }
        package var lastTime: Double { chunks.map(\.lastTime).filter { !$0.isNaN }.max() ?? .nan }
        /// Chunks still carrying `.open` (being written or orphaned).
        package var openChunks: Int { chunks.filter(\.isOpen).count }
    }

    /// The directory.
    package var directory: String
    /// Every readable chunk, sorted by path.
    package var chunks: [ChunkSummary]
    /// Chunk files that could not be read at all, with the reason.
    package var unreadable: [(path: String, error: ArchiveError)]
    /// Chunks grouped, sorted by asset, kind, timeframe.
    package var series: [Series]
    /// Records of candle chunks kept by ``scan(directory:keepingCandles:threads:)``, by chunk
    /// path, in file order (empty unless asked for).
    package var keptCandles: [String: [CandleRecord]] = [:]

    /// Paths of every chunk file (closed and open) under `directory`, sorted. Symbolic links
    /// below `directory` – to files or to folders – are never followed: an archive qflux writes
    /// holds none, and a planted one would make every reader (the CSV API, `run_backtest`,
    /// exports) serve a file from outside the data directory. `directory` itself may be a link.
    /// Folders deeper than ``maxDepth`` are not walked. Throws when the directory is missing or
    /// holds no chunk.
    package static func chunkPaths(in directory: String) throws(ArchiveError) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) else {
            throw ArchiveError(.noChunks, path: directory, errno: ENOENT)
        }
        guard isDir.boolValue else { throw ArchiveError(.noChunks, path: directory, errno: ENOTDIR) }
        var out: [String] = []
        collectChunks(in: directory, depth: 0, into: &out)
        if out.isEmpty {
            throw ArchiveError(.noChunks, path: directory, detail: "not a qflux archive (no *.qfa.lz4 chunks)")
        }
        return out.sorted()
    }

    /// Folder levels below a data directory that are searched for chunks (the layout uses two:
    /// `ASSET/KIND/`).
    package static let maxDepth = 8

    private static func collectChunks(in folder: String, depth: Int, into out: inout [String]) {
        guard depth <= maxDepth, let items = CatalogDirectory.items(folder, sizes: false, sorted: false) else { return }
        for item in items {
            switch item.kind {
            case .file where ChunkNaming.isChunk(item.name), .other where ChunkNaming.isChunk(item.name):
                // FIFOs and devices too: the reader refuses them at once, and reports them
                out.append(folder + "/" + item.name)
            case .directory:
                collectChunks(in: folder + "/" + item.name, depth: depth + 1, into: &out)
            default:
                continue  // links (never followed), other names
            }
        }
    }

    /// Reads every chunk's header and records (for counts and time ranges).
    package static func scan(directory: String) throws(ArchiveError) -> ArchiveIndex {
        try scan(directory: directory, keepingCandles: 0, threads: 1)
    }

    /// The last component of a chunk path (what follows its last `/`; chunk paths never end in one).
    static func fileName(_ path: String) -> Substring {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path[...] }
        return path[path.utf8.index(after: slash)...]
    }

    /// Groups summaries into series.
    package static func group(_ chunks: [ChunkSummary]) -> [Series] {
        var map: [String: Series] = [:]
        for c in chunks where !c.header.asset.isEmpty {
            let key = "\(c.header.asset)\u{0}\(c.header.kind.rawValue)\u{0}\(c.header.timeframeSeconds)"
            map[
                key,
                default: Series(
                    asset: c.header.asset, kind: c.header.kind,
                    timeframeSeconds: Int(c.header.timeframeSeconds), chunks: [])
            ].chunks.append(c)
        }
        return map.values.map { s in
            // File names worked out once per chunk, not twice per comparison.
            let names = s.chunks.map { fileName($0.path) }
            var s = s
            s.chunks = s.chunks.indices.sorted { (names[$0], $0) < (names[$1], $1) }.map { s.chunks[$0] }
            return s
        }.sorted {
            ($0.asset, $0.kind.rawValue, $0.timeframeSeconds) < ($1.asset, $1.kind.rawValue, $1.timeframeSeconds)
        }
    }
}

/// `qflux verify`: every chunk's LZ4 checksums, header and records.
package enum ArchiveVerifier {
    /// A damaged chunk and why.
    package struct Problem: Sendable {
        package var path: String
        package var reason: String
    }

    /// The outcome.
    package struct Report: Sendable {
        /// Chunks checked.
        package var chunks = 0
        /// Records readable.
        package var records = 0
        /// Damaged chunks (checksum failures, bad headers or records, closed chunks cut short).
        package var damaged: [Problem] = []
        /// `.open` chunks that end before their frame does: being written, or orphaned by a
        /// crash; readable up to their last complete block. Not damage.
        package var truncatedOpen: [ChunkSummary] = []
    }

    /// Checks every chunk under `directory`.
    package static func verify(directory: String) throws(ArchiveError) -> Report {
        let paths = try ArchiveIndex.chunkPaths(in: directory)
        let reader = try ArchiveReader()
        var report = Report()
        for path in paths {
            report.chunks += 1
            let summary: ChunkSummary
            do {
                summary = try reader.scan(path, ticks: { _ in }, candles: { _ in })
            } catch {
                report.damaged.append(
                    Problem(path: path, reason: "\(error.code.rawValue): \(error.detail ?? "\(error)")"))
                continue
            }
            report.records += summary.records
            switch summary.condition {
            case .complete:
                break
            case .truncated where summary.isOpen:
                report.truncatedOpen.append(summary)
            case .truncated:
                report.damaged.append(
                    Problem(
                        path: path,
                        reason: "cut short (closed chunk without its frame end); \(summary.records) records readable"))
            case let .damaged(why):
                report.damaged.append(
                    Problem(path: path, reason: "\(why); \(summary.records) records readable before it"))
            }
        }
        return report
    }
}
