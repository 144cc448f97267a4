import Archive
import ArgumentParser
import Foundation

extension ExportCommand {
    /// `--kind payouts`: the archive's payout tape (small: one row per payout change).
    func exportPayouts(_ options: ExportOptions) throws {
        if options.timeframe != nil { throw ValidationError("--timeframe makes candles; drop --kind payouts") }
        let rendered: (text: String, rows: Int)
        do {
            let tape = try PayoutTape.load(directory: directory)
            guard !tape.isEmpty else {
                throw ArchiveError(
                    .noChunks, path: directory, detail: "no payout records (kind payouts) in this archive")
            }
            rendered = try PayoutExport.render(
                tape, asset: options.asset, from: options.from, to: options.to, format: options.format,
                time: options.time, directory: directory)
        } catch let error as ArchiveError {
            throw CommandFailure(nil, error)
        }
        if let output {
            do {
                try Data(rendered.text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            let bytes = Array(rendered.text.utf8)
            _ = bytes.withUnsafeBytes { StandardStreams.write($0, to: 1) }
        }
        if !quiet { StandardStreams.err("qflux export: \(rendered.rows) payout rows") }
    }
}
