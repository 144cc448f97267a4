import CLZ4

#if canImport(Glibc)
import Glibc
#endif

/// One chunk file being written under its `.open` name: a standard LZ4 frame (block checksums
/// and content checksum on) whose blocks are stored uncompressed and never cross a page (4 KB)
/// boundary of the file.
///
/// Each write appends to the last block while it still fits in its page, re-writing that whole
/// block – header, data, checksum – with one `pwrite` inside one page. Linux copies a write into
/// the page cache page by page and checks for a fatal signal only between pages, so a `kill -9`
/// leaves every block either as it was or as it became: after a crash the file is a prefix of
/// complete, checksummed blocks. A slow live stream therefore costs one 8-byte block overhead
/// per 4 KB, not per flush. Bit-packed tick records may end inside a byte: that last byte is
/// written provisionally (zero-padded) and re-written, completed, by the next write. (The records
/// are already dense; LZ4 compression finds nothing to repeat in them, so blocks are stored.)
final class LZ4ChunkFile {
    let openPath: String
    let finalPath: String
    private var fd: Int32
    /// Assembles a block (header + data + checksum) for one `pwrite`.
    private let out: ByteBuffer
    private var content = XXH32()
    /// The block that may still grow: its file offset (-1 when none) and data bytes.
    private var blockStart = -1
    private var blockCount = 0
    /// Compressed bytes in the file so far (its size).
    private(set) var bytesWritten = 0
    /// The last block written (still in `out`): file offset and data bytes.
    private var lastBlockStart = -1
    private var lastBlockCount = 0
    /// Provisional bytes at the end of the last block (0 or 1; see ``write(_:tail:)``).
    private var provisional = 0

    /// Page size: the unit a signal cannot split a write inside.
    static let page: Int = {
        let p = Int(sysconf(Int32(_SC_PAGESIZE))); return p >= 4096 ? p : 4096
    }()
    static let maxBlock = 65_536

    /// Creates `openPath` (never an existing file) and writes the frame header.
    init(openPath: String, finalPath: String, scratch: ByteBuffer) throws(ArchiveError) {
        self.openPath = openPath
        self.finalPath = finalPath
        self.out = scratch
        fd = Glibc.open(openPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw ArchiveError(.createFile, path: openPath, errno: Glibc.errno) }
        out.removeAll()
        out.reserve(Self.page + 16)
        // Magic, FLG (version 1, independent blocks, block checksums, content checksum),
        // BD (64 KB blocks), header checksum.
        for b: UInt8 in [0x04, 0x22, 0x4D, 0x18, 0x74, 0x40] { out.put(b) }
        out.put(UInt8(truncatingIfNeeded: XXH32.hash(out.base + 4, 2) >> 8))
        try writeOut(at: 0)
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    static let headerSizeMax = 7

    static func errorName(_ code: Int) -> String { String(cString: LZ4F_getErrorName(code)) }

    /// Appends `records` and, when given, `tail`: a provisional last byte (the partial last byte
    /// of bit-packed records, zero-padded). Everything appended so far is in the file as complete
    /// blocks when this returns. The next write replaces the provisional byte: its first byte is
    /// the completed one. (`tail` is appended to `records`' storage.)
    func write(_ records: ByteBuffer, tail: UInt8? = nil) throws(ArchiveError) {
        let committed = records.count
        guard committed > 0 || tail != nil else { return }
        content.update(records.base, committed)
        if provisional > 0 {
            // Re-open the block that ends with the provisional byte (it lies inside one page:
            // blocks start at offset 7 or at a page start) and drop that byte.
            blockStart = lastBlockStart
            blockCount = lastBlockCount - provisional
            provisional = 0
        }
        if let tail {
            records.reserve(1)
            records.put(tail)
        }
        defer { records.count = committed }
        var src = records.base
        var remaining = records.count
        while remaining > 0 {
            if blockStart < 0 {
                blockStart = bytesWritten
                blockCount = 0
            }
            let pageEnd = (blockStart / Self.page + 1) * Self.page
            var room = pageEnd - blockStart - 8 - blockCount
            if pageEnd - blockStart < 9 {
                // A block starting in the last 8 bytes of a page crosses into the next. Not
                // reached: the frame header is 7 bytes and every block fills its page.
                room = min(Self.page - 8, Self.maxBlock) - blockCount
            }
            guard room > 0 else {
                blockStart = -1
                continue
            }
            let n = min(room, remaining)
            try writeBlock(appending: src, n)
            src += n
            remaining -= n
            if n == room { blockStart = -1 }
        }
        if tail != nil { provisional = 1 }
    }

    /// Re-writes the open block with `n` more bytes (its old data is read back from the
    /// assembly buffer, which keeps the block between writes).
    private func writeBlock(appending src: UnsafeMutablePointer<UInt8>, _ n: Int) throws(ArchiveError) {
        // `out` holds [header][data][checksum] of the open block; drop the old checksum.
        if blockCount == 0 {
            out.removeAll()
            out.reserve(Self.page + 16)
            out.count = 4
        } else {
            out.count = 4 + blockCount
        }
        out.reserve(n + 4)
        (out.base + out.count).update(from: src, count: n)
        out.count += n
        blockCount += n
        let size = UInt32(blockCount) | 0x8000_0000  // stored uncompressed
        UnsafeMutableRawPointer(out.base).storeBytes(of: size.littleEndian, as: UInt32.self)
        let check = XXH32.hash(out.base + 4, blockCount)
        UnsafeMutableRawPointer(out.base + out.count).storeBytes(of: check.littleEndian, as: UInt32.self)
        out.count += 4
        lastBlockStart = blockStart
        lastBlockCount = blockCount
        try writeOut(at: blockStart, keep: true)
    }

    /// Whether ``close()`` fsyncs the file and its folder (``ArchiveConfiguration/fsyncOnClose``).
    var durable = true
    /// Seconds slept before every fsync: fault injection for tests (``ArchiveConfiguration/injectedSyncDelay``).
    var syncDelay: Double = 0

    /// Ends the frame (end mark + content checksum), fsyncs, closes and renames to the final name.
    func close() throws(ArchiveError) {
        out.removeAll()
        out.reserve(8)
        UnsafeMutableRawPointer(out.base).storeBytes(of: UInt32(0), as: UInt32.self)
        UnsafeMutableRawPointer(out.base + 4).storeBytes(of: content.digest().littleEndian, as: UInt32.self)
        out.count = 8
        blockStart = -1
        try writeOut(at: bytesWritten)
        if durable, Self.sync(fd, delay: syncDelay) != 0 {
            throw ArchiveError(.sync, path: openPath, errno: Glibc.errno)
        }
        Glibc.close(fd)
        fd = -1
        if rename(openPath, finalPath) != 0 { throw ArchiveError(.rename, path: finalPath, errno: Glibc.errno) }
        if durable { Self.syncDirectory(of: finalPath, delay: syncDelay) }
    }

    /// Closes the descriptor without ending the frame (after an error): the `.open` file stays
    /// as an orphan, readable up to its last complete block.
    func abandon() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// `pwrite`s `out` at `offset` (one call in the common case); `keep` leaves `out` as it is.
    private func writeOut(at offset: Int, keep: Bool = false) throws(ArchiveError) {
        var done = 0
        while done < out.count {
            let n = pwrite(fd, out.base + done, out.count - done, off_t(offset + done))
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ArchiveError(.write, path: openPath, errno: Glibc.errno)
            }
            done += n
        }
        bytesWritten = max(bytesWritten, offset + out.count)
        if !keep { out.removeAll() }
    }

    /// fsync of the folder so the rename itself is durable (best effort).
    static func syncDirectory(of path: String, delay: Double = 0) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let dir = String(path[..<slash])
        let dfd = Glibc.open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = sync(dfd, delay: delay)
            Glibc.close(dfd)
        }
    }

    /// `fsync(2)`, after `delay` seconds of injected slowness (tests).
    private static func sync(_ fd: Int32, delay: Double) -> Int32 {
        if delay > 0 { usleep(UInt32(min(delay, 10) * 1_000_000)) }
        return fsync(fd)
    }
}
