import Candles
import Foundation

/// The newest archived candles of one asset and timeframe, for a chart's history
/// (`historical_candles_loaded`): only the series' folder is listed and only its newest chunks
/// are read, newest first, until `limit` distinct candles are found (at most ``maxChunks``
/// chunks), so the cost does not grow with the archive. A candle stored twice (a revision, a
/// history snapshot written again) is taken from the newest chunk. Damaged or unreadable chunks
/// give what they hold before the damage; implausible records are skipped.
package enum ArchiveTail {
    /// Most chunk files read for one request.
    package static let maxChunks = 64

    /// The last `limit` candles (oldest first) of `asset` at `timeframeSeconds` stored under
    /// `directory`; empty when there are none or the folder is not a plain folder inside it
    /// (symbolic links are not followed, as everywhere the archive is served).
    package static func candles(directory: String, asset: String, timeframeSeconds: Int, limit: Int)
        -> [CandleRecord]
    {
        guard limit > 0, let root = CatalogDirectory.realPath(directory) else { return [] }
        let relative = ChunkNaming.folder(asset: asset, kind: .candles, timeframeSeconds: timeframeSeconds)
        let folder = root + "/" + relative
        guard CatalogDirectory.realPath(folder) == folder,
            let items = CatalogDirectory.items(folder, sizes: false, sorted: false)
        else { return [] }
        // names sort by first record time, then sequence: newest last
        let names = items.filter { $0.kind == .file && ChunkNaming.isChunk($0.name) }.map(\.name).sorted(by: >)
        guard !names.isEmpty, let reader = try? ArchiveReader() else { return [] }
        var newest: [Int64: CandleRecord] = [:]
        for name in names.prefix(maxChunks) {
            var chunk: [Int64: CandleRecord] = [:]  // within a chunk the last record wins
            _ = try? reader.scan(
                folder + "/" + name, ticks: { _ in },
                candles: { c in if c.isPlausible { chunk[c.start] = c } })
            for (start, c) in chunk where newest[start] == nil { newest[start] = c }
            if newest.count >= limit { break }
        }
        return newest.keys.sorted().suffix(limit).map { newest[$0]! }
    }

    /// The asset names that have stored candles at `timeframeSeconds` under `directory` (folder
    /// names unescaped, ``ChunkNaming/safeName(_:)`` reversed), at most `limit`, sorted.
    /// Directory listings only; no chunk is read.
    package static func assets(directory: String, timeframeSeconds: Int, limit: Int = 10_000) -> [String] {
        guard let root = CatalogDirectory.realPath(directory),
            let items = CatalogDirectory.items(root, sizes: false)
        else { return [] }
        let kindFolder = ChunkNaming.kindPart(.candles, timeframeSeconds: timeframeSeconds)
        var out: [String] = []
        for item in items where item.kind == .directory {
            guard out.count < limit, let name = unescaped(item.name) else { continue }
            guard let inner = CatalogDirectory.items(root + "/" + item.name, sizes: false, sorted: false),
                inner.contains(where: { $0.kind == .directory && $0.name == kindFolder })
            else { continue }
            out.append(name)
        }
        return out.sorted()
    }

    /// The asset name a folder name spells (`%23AAPL` → `#AAPL`); nil when it is not a name
    /// ``ChunkNaming/safeName(_:)`` writes.
    package static func unescaped(_ folder: String) -> String? {
        var bytes: [UInt8] = []
        var it = Array(folder.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else {
                    return nil
                }
                it = it.dropFirst(2)
                bytes.append(v)
            } else {
                bytes.append(b)
            }
        }
        guard !bytes.isEmpty, !bytes.contains(0), let name = String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        return ChunkNaming.safeName(name) == folder ? name : nil
    }
}
