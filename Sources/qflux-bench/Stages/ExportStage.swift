import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import FoundationEssentials
import Logging
import SocketIOServer

/// Export throughput: a seeded tick archive (15 assets, `SimulatedMarket`) through
/// `ArchiveExporter` as CSV (ISO timestamps, the default) and as JSON lines, output counted and
/// dropped (MB/s of text produced, chunk reading and decoding included).
struct ExportStage: BenchStage {
    let name = "export"
    let summary = "archived ticks → CSV / JSON lines (ArchiveExporter), MB/s of output"

    func run(_ context: BenchContext) throws -> [Figure] {
        let count = context.quick ? 300_000 : 1_500_000
        let ticks = BenchTicks(count: count, assets: 15, ticksPerSecondPerAsset: 2, seed: 9)
        let dir = try context.temporaryDirectory(named: "export").path
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir, collect: .tick),
            assets: ticks.assets, logger: Logger(label: "bench.export"))
        for t in ticks.ticks { try writer.append(t) }
        try writer.close()

        var figures: [Figure] = []
        for format in [ExportOptions.Format.csv, .jsonl] {
            var bytes = 0
            let (samples, rows) = try measureThrowing(warmups: 1, runs: context.runs) { _ in
                bytes = 0
                let exporter = ArchiveExporter(
                    directory: dir, options: ExportOptions(kind: .ticks, format: format),
                    sink: {
                        bytes += $0.count; return true
                    })
                let summary = try exporter.run()
                guard summary.truncated.isEmpty, summary.damaged.isEmpty else {
                    throw BenchError("export: damaged chunks")
                }
                return summary.rows
            }
            guard rows == count * (context.runs + 1) else {
                throw BenchError("export \(format.rawValue): \(rows) rows, expected \(count * (context.runs + 1))")
            }
            figures.append(
                Figure(
                    stage: name, name: "\(format.rawValue) (\(count) ticks, \(bytes / count) B/row)",
                    value: Double(bytes) / samples.median / 1e6, unit: "MB/s", spreadPercent: samples.spreadPercent,
                    target: format == .csv ? .atLeast(200) : nil,
                    note: "\(formatNumber(Double(count) / samples.median)) rows/s"))
        }
        return figures
    }
}
