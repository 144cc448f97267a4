#if canImport(Glibc)
import Glibc
#endif

/// The chunks of one asset and kind (and timeframe): the open chunk, the staged records that
/// have not reached the disk yet, the encoder state. Used by ``ArchiveWriter`` on one thread,
/// so the state touched per record is `@exclusivity(unchecked)` (see ``ByteBuffer``).
final class ChunkStream {
    let asset: String
    let kind: ArchiveKind
    let timeframeSeconds: Int
    let chunkSize: Int
    private let folder: String
    private var folderReady = false
    private var file: LZ4ChunkFile?
    @usableFromInline let staged: ByteBuffer
    private let scratch: ByteBuffer
    @exclusivity(unchecked) @usableFromInline var tickEncoder = TickEncoder()
    @exclusivity(unchecked) @usableFromInline var candleEncoder = CandleEncoder()
    /// Records in the open chunk.
    @exclusivity(unchecked) @usableFromInline var chunkRecords = 0
    /// Records staged but not yet written.
    @exclusivity(unchecked) @usableFromInline var stagedRecords = 0
    private var sequence = 0
    /// After an error: no new chunk before this monotonic time.
    var suspendedUntil: Double = -.infinity

    /// fsync chunks before they are renamed closed.
    let durable: Bool
    /// Seconds slept before every fsync (``ArchiveConfiguration/injectedSyncDelay``).
    let syncDelay: Double

    init(
        directory: String, asset: String, kind: ArchiveKind, timeframeSeconds: Int, chunkSize: Int,
        durable: Bool = true, syncDelay: Double = 0
    ) {
        self.durable = durable
        self.syncDelay = syncDelay
        self.asset = asset
        self.kind = kind
        self.timeframeSeconds = timeframeSeconds
        self.chunkSize = chunkSize
        folder = directory + "/" + ChunkNaming.folder(asset: asset, kind: kind, timeframeSeconds: timeframeSeconds)
        staged = ByteBuffer(capacity: 1 << 16)
        scratch = ByteBuffer(capacity: 1 << 17)
    }

    var isOpen: Bool { file != nil }

    /// Starts a chunk whose first record is at `time`: a new file name that exists neither
    /// closed nor open (an orphaned `.open` chunk is never reused).
    func open(firstTime time: Double, stats: inout ArchiveWriterStatistics) throws(ArchiveError) {
        if !folderReady {
            try Self.makeDirectories(folder)
            folderReady = true
        }
        while true {
            sequence += 1
            let name = ChunkNaming.fileName(
                asset: asset, kind: kind, timeframeSeconds: timeframeSeconds,
                time: time, sequence: sequence)
            let final = folder + "/" + name
            if access(final, F_OK) == 0 { continue }
            do {
                file = try LZ4ChunkFile(openPath: final + ".open", finalPath: final, scratch: scratch)
                file?.durable = durable
                file?.syncDelay = syncDelay
            } catch let e where e.code == .createFile && e.errno == EEXIST {
                continue
            } catch {
                folderReady = false
                throw error
            }
            break
        }
        stats.chunksOpened += 1
        stats.bytesWritten += file!.bytesWritten
        tickEncoder = TickEncoder()
        candleEncoder = CandleEncoder()
        chunkRecords = 0
        staged.removeAll()
        staged.append(
            ChunkHeader(
                kind: kind, asset: asset, timeframeSeconds: UInt32(timeframeSeconds),
                recordLimit: chunkSize
            ).bytes)
    }

    /// Writes the staged records as complete LZ4 blocks. Tick records are bit-packed: the last
    /// partial byte goes along as the file's provisional last byte, re-written by the next write.
    func writeStaged(stats: inout ArchiveWriterStatistics) throws(ArchiveError) {
        guard let file, staged.count > 0 || stagedRecords > 0 else { return }
        let before = file.bytesWritten
        try file.write(staged, tail: kind.hasTickRecords ? tickEncoder.tail : nil)
        stats.bytesWritten += file.bytesWritten - before
        staged.removeAll()
        stagedRecords = 0
    }

    /// Writes what is staged, ends the frame and renames the chunk to its final name.
    func closeChunk(stats: inout ArchiveWriterStatistics) throws(ArchiveError) {
        guard let file else { return }
        if kind.hasTickRecords { tickEncoder.finish(into: staged) }  // the last byte, now final
        try writeStaged(stats: &stats)
        let before = file.bytesWritten
        try file.close()
        stats.bytesWritten += file.bytesWritten - before
        stats.chunksClosed += 1
        self.file = nil
        chunkRecords = 0
    }

    /// After an error: drop the chunk (its `.open` file stays, readable up to its last complete
    /// block) and the staged records; a new chunk is started on a later append.
    func abandon(stats: inout ArchiveWriterStatistics, until: Double) {
        file?.abandon()
        file = nil
        stats.droppedRecords += stagedRecords
        staged.removeAll()
        stagedRecords = 0
        chunkRecords = 0
        folderReady = false
        suspendedUntil = until
    }

    static func makeDirectories(_ path: String) throws(ArchiveError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && Glibc.errno != EEXIST {
                throw ArchiveError(.createDirectory, path: current, errno: Glibc.errno)
            }
        }
    }
}
