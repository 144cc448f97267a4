import Archive
import Engine
import Foundation
import TextWriters

extension ExportCommand {
    /// `--kind signals`: one JSON line per journal signal, oldest first (see `SignalJournalEntry.jsonLine`).
    func exportSignals(_ options: ExportOptions) throws {
        guard options.format == .jsonl else {
            throw CommandFailure("--kind signals exports JSON lines: add --format jsonl", code: QFluxExit.usage)
        }
        let loaded: (entries: [SignalJournalEntry], chunks: Int, damaged: Int)
        do {
            loaded = try SignalJournalEntry.load(directory: directory, asset: options.asset)
        } catch {
            throw CommandFailure(nil, error)
        }
        var w = JSONWriter(capacity: 1 << 16)
        var rows = 0
        for e in loaded.entries {
            let t = Double(e.record.time)
            if let from = options.from, t < from { continue }
            if let to = options.to, t >= to { continue }
            e.jsonLine(into: &w)
            rows += 1
        }
        if let output {
            do { try Data(w.bytes).write(to: URL(fileURLWithPath: output)) } catch {
                throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            StandardStreams.out(w.bytes)
        }
        if !quiet {
            StandardStreams.err("qflux export: \(rows) signals from \(loaded.chunks) journal chunks")
        }
        if loaded.damaged > 0 {
            throw CommandFailure(
                "\(loaded.damaged) journal chunks are damaged: read up to the damage (run qflux verify)")
        }
    }
}
