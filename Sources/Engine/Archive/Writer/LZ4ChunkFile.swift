import CSupport
#if canImport(Glibc)
import Glibc
#endif

/// One chunk file being written: an LZ4 frame (64 KB linked blocks, block checksums and content
/// checksum on) under its `.open` name. Owns the `LZ4F_cctx` and the descriptor.
final class LZ4ChunkFile {
    let openPath: String
    let finalPath: String
    private var fd: Int32
    private var cctx: OpaquePointer?
    private var prefs = LZ4F_preferences_t()
    private let out: ByteBuffer
    /// Compressed bytes written to the file so far.
    private(set) var bytesWritten = 0

    /// Creates `openPath` (never an existing file) and writes the frame header.
    init(openPath: String, finalPath: String, scratch: ByteBuffer) throws(ArchiveError) {
        self.openPath = openPath
        self.finalPath = finalPath
        self.out = scratch
        fd = Glibc.open(openPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw ArchiveError(.createFile, path: openPath, errno: Glibc.errno) }
        var ctx: OpaquePointer?
        let rc = LZ4F_createCompressionContext(&ctx, qf_lz4f_version())
        if qf_lz4f_is_error(rc) != 0 || ctx == nil {
            Glibc.close(fd)
            fd = -1
            Glibc.unlink(openPath)
            throw ArchiveError(.lz4, path: openPath, detail: Self.errorName(rc))
        }
        cctx = ctx
        prefs.frameInfo.blockSizeID = LZ4F_max64KB
        prefs.frameInfo.blockMode = LZ4F_blockLinked
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        prefs.compressionLevel = 0
        prefs.autoFlush = 0
        out.removeAll()
        out.reserve(Self.headerSizeMax)
        let n = LZ4F_compressBegin(ctx, out.base, out.capacity, &prefs)
        if qf_lz4f_is_error(n) != 0 { throw ArchiveError(.lz4, path: openPath, detail: Self.errorName(n)) }
        out.count = n
        try writeOut()
    }

    deinit {
        if let cctx { LZ4F_freeCompressionContext(cctx) }
        if fd >= 0 { Glibc.close(fd) }
    }

    static let headerSizeMax = 19

    static func errorName(_ code: Int) -> String { String(cString: LZ4F_getErrorName(code)) }

    /// Compresses `records` and ends the block(s): everything appended so far is on disk as
    /// complete LZ4 blocks when this returns.
    func write(_ records: ByteBuffer) throws(ArchiveError) {
        guard records.count > 0 else { return }
        out.removeAll()
        out.reserve(LZ4F_compressBound(records.count, &prefs) + LZ4F_compressBound(0, &prefs))
        var n = LZ4F_compressUpdate(cctx, out.base, out.capacity, records.base, records.count, nil)
        if qf_lz4f_is_error(n) != 0 { throw ArchiveError(.lz4, path: openPath, detail: Self.errorName(n)) }
        out.count = n
        n = LZ4F_flush(cctx, out.base + out.count, out.capacity - out.count, nil)
        if qf_lz4f_is_error(n) != 0 { throw ArchiveError(.lz4, path: openPath, detail: Self.errorName(n)) }
        out.count += n
        try writeOut()
    }

    /// Ends the frame (end mark + content checksum), fsyncs, closes and renames to the final name.
    func close() throws(ArchiveError) {
        out.removeAll()
        out.reserve(LZ4F_compressBound(0, &prefs) + 16)
        let n = LZ4F_compressEnd(cctx, out.base, out.capacity, nil)
        if qf_lz4f_is_error(n) != 0 { throw ArchiveError(.lz4, path: openPath, detail: Self.errorName(n)) }
        out.count = n
        try writeOut()
        if fsync(fd) != 0 { throw ArchiveError(.sync, path: openPath, errno: Glibc.errno) }
        Glibc.close(fd)
        fd = -1
        if rename(openPath, finalPath) != 0 { throw ArchiveError(.rename, path: finalPath, errno: Glibc.errno) }
        Self.syncDirectory(of: finalPath)
    }

    /// Closes the descriptor without ending the frame (after an error): the `.open` file stays
    /// as an orphan, readable up to its last complete block.
    func abandon() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func writeOut() throws(ArchiveError) {
        var offset = 0
        while offset < out.count {
            let n = Glibc.write(fd, out.base + offset, out.count - offset)
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ArchiveError(.write, path: openPath, errno: Glibc.errno)
            }
            offset += n
        }
        bytesWritten += out.count
        out.removeAll()
    }

    /// fsync of the folder so the rename itself is durable (best effort).
    static func syncDirectory(of path: String) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let dir = String(path[..<slash])
        let dfd = Glibc.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            Glibc.close(dfd)
        }
    }
}
