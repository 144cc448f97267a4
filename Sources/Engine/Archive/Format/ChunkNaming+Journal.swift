import TextWriters

/// Names of the run-level signal journal (see docs/archive-format.md, "Signal records"):
/// `signals.journal/signals_20250903T003350Z_000001.qfa.lz4`, one chunk stream per run for every
/// asset.
extension ChunkNaming {
    /// The journal's folder, directly under the data directory. It holds a `.`, which
    /// ``safeName(_:)`` always escapes: no asset folder can have this name, and the catalog, the
    /// index and `/api/available-csv-files` never take it for one.
    package static let journalFolder = "signals.journal"

    /// The asset a journal chunk's header names: `*`, every asset (the records carry their own;
    /// `qflux ls` lists the journal as one `*` `signals` series). No broker asset is spelled so.
    package static let journalHeaderAsset = "*"

    /// A closed journal chunk's file name (no folder): `signals_`, the time of the run's first
    /// record, `_`, the sequence (6 digits or more). A run keeps its first record's time for all
    /// its chunks, so names sort in the order they were written.
    package static func journalFileName(time: Double, sequence: Int) -> String {
        let seq = String(sequence)
        let padded = String(repeating: "0", count: max(0, 6 - seq.count)) + seq
        return "signals_\(UTCTime.compactStamp(time))_\(padded)\(closedSuffix)"
    }
}
