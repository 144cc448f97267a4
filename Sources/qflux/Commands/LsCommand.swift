import Archive
import ArgumentParser
import Candles

/// `qflux ls`: what an archive holds.
struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List an archive: assets, kinds, timeframes, time ranges, record counts, sizes.",
        discussion: """
        One row per asset and kind (ticks, or candles of one timeframe). Reads every chunk to \
        count records; `open` counts chunks still being written or orphaned by a crash (they are \
        read up to their last complete block). Times are UTC.
        """
    )

    @Argument(help: "The data directory.")
    var directory: String

    func run() throws {
        let index: ArchiveIndex
        do {
            index = try ArchiveIndex.scan(directory: directory)
        } catch {
            throw CommandFailure(nil, error)
        }
        var rows: [[String]] = [["ASSET", "KIND", "TF", "FROM (UTC)", "TO (UTC)", "RECORDS", "CHUNKS", "OPEN", "SIZE", "B/REC"]]
        var records = 0, bytes = 0, chunks = 0
        for s in index.series {
            records += s.records
            bytes += s.compressedBytes
            chunks += s.chunks.count
            let perRecord = s.records > 0 ? DecodeSummary.format(Double(s.compressedBytes) / Double(s.records)) : "-"
            rows.append([s.asset, s.kind.description, s.kind == .ticks ? "-" : Timeframe(seconds: s.timeframeSeconds).description,
                         ArchiveMessages.time(s.firstTime), ArchiveMessages.time(s.lastTime), String(s.records),
                         String(s.chunks.count), String(s.openChunks), ArchiveMessages.size(s.compressedBytes), perRecord])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var text = ""
        for row in rows {
            text += zip(row, widths).enumerated().map { i, cell in
                let pad = String(repeating: " ", count: cell.1 - cell.0.count)
                return i >= 5 ? pad + cell.0 : cell.0 + pad
            }.joined(separator: "  ") + "\n"
        }
        text += "\(index.series.count) series, \(chunks) chunks, \(records) records, \(ArchiveMessages.size(bytes))\n"
        StandardStreams.out(Array(text.utf8))
        for (path, error) in index.unreadable {
            StandardStreams.err("warning: \(path): \(error.description) (run qflux verify)")
        }
    }
}
