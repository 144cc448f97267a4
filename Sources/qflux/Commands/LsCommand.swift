import Archive
import ArgumentParser
import Candles
import Foundation

/// `qflux ls`: what an archive holds.
struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List an archive: assets, kinds, timeframes, time ranges, record counts, sizes.",
        discussion: """
            One row per asset and kind (ticks, or candles of one timeframe). Reads every chunk to \
            count records; `open` counts chunks still being written or orphaned by a crash (they are \
            read up to their last complete block). Times are UTC.

            --coverage shows, per asset and candle timeframe, the first and last candle, how many \
            there are and the gaps (runs of missing candle starts between the first and the last; \
            every period counts, as for OTC assets): what to collect next with `qflux collect` \
            (--fill-gaps re-visits exactly these). --json prints the same as one JSON object: \
            {"series":[{"asset","timeframe","timeframe_seconds","first","last","count","missing",\
            "gaps":[{"from","to","missing"}]}]} with times in epoch seconds.
            """
    )

    @Argument(help: "The data directory.")
    var directory: String

    @Flag(help: "Per asset and candle timeframe: first and last candle, count and gaps.")
    var coverage = false

    @Flag(help: "With --coverage: print JSON instead of a table.")
    var json = false

    func validate() throws {
        if json && !coverage { throw ValidationError("--json goes with --coverage") }
    }

    func run() throws {
        if coverage { return try runCoverage() }
        let index: ArchiveIndex
        do {
            index = try ArchiveIndex.scan(directory: directory)
        } catch {
            throw CommandFailure(nil, error)
        }
        var rows: [[String]] = [
            ["ASSET", "KIND", "TF", "FROM (UTC)", "TO (UTC)", "RECORDS", "CHUNKS", "OPEN", "SIZE", "B/REC"]
        ]
        var records = 0, bytes = 0, chunks = 0
        for s in index.series {
            records += s.records
            bytes += s.compressedBytes
            chunks += s.chunks.count
            let perRecord = s.records > 0 ? DecodeSummary.format(Double(s.compressedBytes) / Double(s.records)) : "-"
            rows.append([
                s.asset, s.kind.description,
                s.kind == .candles ? Timeframe(seconds: s.timeframeSeconds).description : "-",
                ArchiveMessages.time(s.firstTime), ArchiveMessages.time(s.lastTime), String(s.records),
                String(s.chunks.count), String(s.openChunks), ArchiveMessages.size(s.compressedBytes), perRecord,
            ])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var text = ""
        for row in rows {
            text +=
                zip(row, widths).enumerated().map { i, cell in
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

    /// `--coverage [--json]`.
    private func runCoverage() throws {
        let report: ArchiveCoverage
        do {
            report = try ArchiveCoverage.scan(directory: directory)
        } catch {
            throw CommandFailure(nil, error)
        }
        if json {
            let series: [[String: Any]] = report.series.map { s in
                [
                    "asset": s.asset, "timeframe": Timeframe(seconds: s.timeframeSeconds).description,
                    "timeframe_seconds": s.timeframeSeconds, "first": s.first, "last": s.last, "count": s.count,
                    "missing": s.missing,
                    "gaps": s.gaps.map { ["from": $0.from, "to": $0.to, "missing": $0.missing] as [String: Any] },
                ] as [String: Any]
            }
            let data = try JSONSerialization.data(
                withJSONObject: ["directory": directory, "series": series], options: [.sortedKeys])
            StandardStreams.out(Array(data) + [10])
        } else {
            var rows: [[String]] = [["ASSET", "TF", "FIRST (UTC)", "LAST (UTC)", "CANDLES", "MISSING", "GAPS"]]
            for s in report.series {
                let shown: [String] = s.gaps.prefix(3).map(Self.gapText)
                var gaps = s.gaps.isEmpty ? "none" : shown.joined(separator: "; ")
                if s.gaps.count > 3 { gaps += "; +\(s.gaps.count - 3) more" }
                let tf = Timeframe(seconds: s.timeframeSeconds).description
                let first = ArchiveMessages.time(Double(s.first)), last = ArchiveMessages.time(Double(s.last))
                rows.append([s.asset, tf, first, last, String(s.count), String(s.missing), gaps])
            }
            let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
            var text = ""
            for row in rows {
                text +=
                    zip(row, widths).enumerated().map { i, cell in
                        let pad = String(repeating: " ", count: i == row.count - 1 ? 0 : cell.1 - cell.0.count)
                        return (4...5).contains(i) ? pad + cell.0 : cell.0 + pad
                    }.joined(separator: "  ") + "\n"
            }
            let gapped = report.series.filter { !$0.gaps.isEmpty }.count
            text += "\(report.series.count) candle series, \(gapped) with gaps\n"
            StandardStreams.out(Array(text.utf8))
        }
        for (path, error) in report.unreadable {
            StandardStreams.err("warning: \(path): \(error.description) (run qflux verify)")
        }
    }

    /// `2026-11-26 10:01:00 … 2026-11-26 10:04:00 (4)`, or one time for a single missing candle.
    private static func gapText(_ g: ArchiveCoverage.Gap) -> String {
        let from = ArchiveMessages.time(Double(g.from))
        if g.missing == 1 { return from }
        let to = ArchiveMessages.time(Double(g.to))
        return "\(from) … \(to) (\(g.missing))"
    }
}
