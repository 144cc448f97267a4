#if canImport(Glibc)
import Glibc
#endif

/// Writes the signal journal under a data directory: one chunk stream per run for every asset,
/// `signals.journal/` chunks (``ChunkNaming/journalFolder``) of ``SignalRecord``s (kind 3,
/// encoding 4: each record carries its asset), closed after `chunkSize` records and when the
/// writer stops. Each record is written as it comes (signals are rare next to ticks), so a
/// flushed `.open` chunk always holds every record appended. One file per chunk, not one per
/// asset and run: creating a file costs more than the strategies on ext4. Not thread-safe: one
/// thread writes.
package final class SignalJournalWriter {
    /// The data directory.
    package let directory: String
    /// Records per chunk.
    package let chunkSize: Int
    /// Records written.
    package private(set) var written = 0
    /// Records lost to write errors (the journal goes on with a new chunk).
    package private(set) var failed = 0
    private var file: LZ4ChunkFile?
    private var records = 0
    private var sequence = 0
    private var folderReady = false
    /// The time of the run's first record: the stamp of every chunk name of the run.
    private var runTime: Double?
    /// The chunk file's block assembly buffer (it keeps the growing block between writes).
    private let scratch = ByteBuffer(capacity: 1 << 13)
    private let staged = ByteBuffer(capacity: 1 << 13)
    private var bytes: [UInt8] = []
    private let durable: Bool

    /// A writer under `directory`; `durable: false` skips fsync (tests).
    package init(directory: String, chunkSize: Int = 1000, durable: Bool = true) {
        self.directory = directory
        self.chunkSize = Swift.min(Swift.max(chunkSize, 1), ChunkHeader.maxRecords)
        self.durable = durable
    }

    /// Appends a record to the open chunk (opening one when needed); throws on a write error
    /// (the chunk is then abandoned and a later record starts a new one).
    package func append(_ record: SignalRecord) throws(ArchiveError) {
        staged.removeAll()
        do {
            if file == nil { try open(time: Double(record.time)) }
            bytes.removeAll(keepingCapacity: true)
            record.encode(into: &bytes, encoding: SignalRecord.assetEncoding)
            staged.append(bytes)
            try file!.write(staged)
            records += 1
            written += 1
            if records >= chunkSize {
                try file!.close()
                file = nil
            }
        } catch {
            failed += 1
            file?.abandon()
            file = nil
            folderReady = false
            throw error
        }
    }

    /// Closes the open chunk (renaming it to its final name).
    package func close() throws(ArchiveError) {
        guard let file else { return }
        self.file = nil
        try file.close()
    }

    private func open(time: Double) throws(ArchiveError) {
        let folder = directory + "/" + ChunkNaming.journalFolder
        if !folderReady {
            try ChunkStream.makeDirectories(folder)
            folderReady = true
        }
        let stamp = runTime ?? time
        runTime = stamp
        while true {
            sequence += 1
            let final = folder + "/" + ChunkNaming.journalFileName(time: stamp, sequence: sequence)
            if access(final, F_OK) == 0 || access(final + ".open", F_OK) == 0 { continue }
            let file = try LZ4ChunkFile(openPath: final + ".open", finalPath: final, scratch: scratch)
            file.durable = durable
            self.file = file
            break
        }
        records = 0
        // The records name their assets; the header `*`.
        var header = ChunkHeader(
            kind: .signals, asset: ChunkNaming.journalHeaderAsset, timeframeSeconds: 0, recordLimit: chunkSize)
        header.encoding = SignalRecord.assetEncoding
        staged.append(header.bytes)
    }
}
