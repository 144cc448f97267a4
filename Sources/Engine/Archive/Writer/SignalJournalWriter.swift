#if canImport(Glibc)
import Glibc
#endif

/// Writes the signal journal under a data directory: per asset, `ASSET/signals/` chunks of
/// ``SignalRecord``s (kind 3), closed after `chunkSize` records and when the writer stops. Each
/// record is written as it comes (signals are rare next to ticks), so a flushed `.open` chunk
/// always holds every record appended. Not thread-safe: one thread writes.
package final class SignalJournalWriter {
    private final class AssetStream {
        var file: LZ4ChunkFile?
        var records = 0
        var sequence = 0
        var folderReady = false
        /// The chunk file's block assembly buffer: it keeps the growing block between writes, so
        /// every open chunk needs its own.
        let scratch = ByteBuffer(capacity: 1 << 13)
    }

    /// The data directory.
    package let directory: String
    /// Records per chunk.
    package let chunkSize: Int
    /// Records written.
    package private(set) var written = 0
    /// Records lost to write errors (the journal goes on with a new chunk).
    package private(set) var failed = 0
    private var streams: [String: AssetStream] = [:]
    private let staged = ByteBuffer(capacity: 1 << 13)
    private var bytes: [UInt8] = []
    private let durable: Bool

    /// A writer under `directory`; `durable: false` skips fsync (tests).
    package init(directory: String, chunkSize: Int = 1000, durable: Bool = true) {
        self.directory = directory
        self.chunkSize = Swift.min(Swift.max(chunkSize, 1), ChunkHeader.maxRecords)
        self.durable = durable
    }

    /// Appends a record to its asset's chunk (opening one when needed); throws on a write error
    /// (the chunk is then abandoned and a later record starts a new one).
    package func append(_ record: SignalRecord) throws(ArchiveError) {
        let stream = streams[record.asset] ?? AssetStream()
        streams[record.asset] = stream
        staged.removeAll()
        do {
            if stream.file == nil { try open(stream, asset: record.asset, time: Double(record.time)) }
            bytes.removeAll(keepingCapacity: true)
            record.encode(into: &bytes)
            staged.append(bytes)
            try stream.file!.write(staged)
            stream.records += 1
            written += 1
            if stream.records >= chunkSize {
                try stream.file!.close()
                stream.file = nil
            }
        } catch {
            failed += 1
            stream.file?.abandon()
            stream.file = nil
            stream.folderReady = false
            throw error
        }
    }

    /// Closes every open chunk (renaming it to its final name).
    package func close() throws(ArchiveError) {
        var firstError: ArchiveError?
        for stream in streams.values {
            guard let file = stream.file else { continue }
            stream.file = nil
            do { try file.close() } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }

    private func open(_ stream: AssetStream, asset: String, time: Double) throws(ArchiveError) {
        let folder = directory + "/" + ChunkNaming.folder(asset: asset, kind: .signals, timeframeSeconds: 0)
        if !stream.folderReady {
            try ChunkStream.makeDirectories(folder)
            stream.folderReady = true
        }
        while true {
            stream.sequence += 1
            let name = ChunkNaming.fileName(
                asset: asset, kind: .signals, timeframeSeconds: 0, time: time, sequence: stream.sequence)
            let final = folder + "/" + name
            if access(final, F_OK) == 0 || access(final + ".open", F_OK) == 0 { continue }
            let file = try LZ4ChunkFile(openPath: final + ".open", finalPath: final, scratch: stream.scratch)
            file.durable = durable
            stream.file = file
            break
        }
        stream.records = 0
        var header = ChunkHeader(kind: .signals, asset: asset, timeframeSeconds: 0, recordLimit: chunkSize)
        header.encoding = SignalRecord.encoding
        staged.append(header.bytes)
    }
}
