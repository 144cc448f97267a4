import CLZ4

#if canImport(Glibc)
import Glibc
#endif

/// How far a chunk's LZ4 frame could be read.
package enum ChunkCondition: Equatable, Sendable, CustomStringConvertible {
    /// The whole frame, content checksum verified, every record complete.
    case complete
    /// The file ends before the frame does (a chunk being written, or orphaned by a crash):
    /// the records of every complete block were read.
    case truncated
    /// A checksum failed or the bytes make no sense; the records before the damage were read.
    case damaged(String)

    package var description: String {
        switch self {
        case .complete: "complete"
        case .truncated: "truncated"
        case let .damaged(why): "damaged (\(why))"
        }
    }
}

/// Reads a chunk file and decompresses its LZ4 frame block by block into a reused buffer,
/// keeping only the output of complete, checksum-verified blocks. Owns the `LZ4F_dctx`.
///
/// It trusts nothing it opens: only regular files (a FIFO, device or directory – also behind a
/// symlink – is refused without blocking), the LZ4 magic is checked on the first bytes, the
/// file is read in pieces (never whole), and the decoded output stops at a bound the caller
/// raises once it has read the chunk's header: what a well-formed chunk of that header can hold.
final class ChunkDecompressor {
    private var dctx: OpaquePointer?
    /// Unconsumed input: bytes `inputStart..<input.count`.
    private let input = ByteBuffer(capacity: 1 << 16)
    private var inputStart = 0
    /// Decoded bytes of the complete blocks read so far.
    let output = ByteBuffer(capacity: 1 << 16)
    /// The file's size (from `fstat`).
    private(set) var fileSize = 0

    /// LZ4 frame magic, little-endian `04 22 4D 18`.
    static let frameMagic: UInt32 = 0x184D_2204
    /// Bytes read from the file at a time.
    static let readSize = 1 << 16
    /// Bytes decoded per `LZ4F_decompress` call (the bound is checked between calls).
    static let step = 1 << 16

    init() throws(ArchiveError) {
        let rc = LZ4F_createDecompressionContext(&dctx, qf_lz4f_version())
        if qf_lz4f_is_error(rc) != 0 { throw ArchiveError(.lz4, path: "", detail: LZ4ChunkFile.errorName(rc)) }
    }

    deinit { if let dctx { LZ4F_freeDecompressionContext(dctx) } }

    /// Opens `path` for reading: a regular file (symlinks followed), never blocking.
    static func openRegular(_ path: String) throws(ArchiveError) -> (fd: Int32, size: Int) {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 { throw ArchiveError(.read, path: path, errno: Glibc.errno) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = Glibc.errno
            Glibc.close(fd)
            throw ArchiveError(.read, path: path, errno: e)
        }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG else {
            Glibc.close(fd)
            let what =
                switch type {
                case S_IFIFO: "a FIFO"
                case S_IFCHR: "a character device"
                case S_IFBLK: "a block device"
                case S_IFDIR: "a directory"
                case S_IFSOCK: "a socket"
                default: "not a regular file"
                }
            throw ArchiveError(.notAnArchive, path: path, detail: "\(what), not a regular file: refused")
        }
        return (fd, Int(st.st_size))
    }

    /// Decompresses the frame in `path` into ``output``. `limit` is called after every step
    /// with the output so far; it returns the most decoded bytes allowed (and may throw, e.g.
    /// on a bad chunk header): past it the chunk is damaged and reading stops.
    func decompress(_ path: String, limit: (ByteBuffer) throws(ArchiveError) -> Int) throws(ArchiveError)
        -> ChunkCondition
    {
        output.removeAll()
        input.removeAll()
        inputStart = 0
        let (fd, size) = try Self.openRegular(path)
        defer { Glibc.close(fd) }
        fileSize = size
        var fileOffset = 0  // bytes read from the file
        var eof = false

        /// Makes `want` unconsumed bytes available unless the file ends first.
        func fill(_ want: Int) throws(ArchiveError) {
            while input.count - inputStart < want && !eof {
                if inputStart > 0 {
                    let rest = input.count - inputStart
                    if rest > 0 { input.base.update(from: input.base + inputStart, count: rest) }
                    input.count = rest
                    inputStart = 0
                }
                input.reserve(max(Self.readSize, want))
                let n = Glibc.read(fd, input.base + input.count, input.capacity - input.count)
                if n < 0 {
                    if Glibc.errno == EINTR { continue }
                    throw ArchiveError(.read, path: path, errno: Glibc.errno)
                }
                if n == 0 {
                    eof = true
                } else {
                    input.count += n
                    fileOffset += n
                }
            }
        }

        // Magic first: nothing else is read from a file that is not an LZ4 frame.
        try fill(4)
        if input.count - inputStart >= 4 {
            let magic = UnsafeRawPointer(input.base + inputStart).loadUnaligned(as: UInt32.self)
            guard UInt32(littleEndian: magic) == Self.frameMagic else {
                throw ArchiveError(.notAnArchive, path: path, detail: "not an LZ4 frame (bad magic)")
            }
        }

        LZ4F_resetDecompressionContext(dctx)
        var hint = 7  // smallest frame header
        var bound = try limit(output)
        while true {
            if hint == 0 {
                let extra = (input.count - inputStart) + max(0, fileSize - fileOffset)
                return extra == 0 ? .complete : .damaged("\(extra) bytes after the end of the frame")
            }
            try fill(hint)
            let available = input.count - inputStart
            if available == 0 { return .truncated }
            let feed = min(available, hint)
            let mark = output.count
            var consumed = 0
            repeat {
                if output.count > bound {
                    output.count = min(output.count, bound)
                    return .damaged("decodes to more than \(bound) bytes, more than its header allows")
                }
                output.reserve(Self.step)
                var dstSize = min(Self.step, bound + 1 - output.count)
                var srcSize = feed - consumed
                let r = LZ4F_decompress(
                    dctx, output.base + output.count, &dstSize,
                    input.base + inputStart + consumed, &srcSize, nil)
                if qf_lz4f_is_error(r) != 0 {
                    output.count = mark
                    return .damaged(LZ4ChunkFile.errorName(r))
                }
                output.count += dstSize
                consumed += srcSize
                hint = r
                bound = try limit(output)
                if srcSize == 0 && dstSize == 0 { break }
            } while consumed < feed
            inputStart += consumed
            if output.count > bound {
                output.count = bound
                return .damaged("decodes to more than \(bound) bytes, more than its header allows")
            }
            if feed < available || !eof { continue }
            if hint != 0 {
                // The file ends here. A hint above a block header's 4 bytes means it ended inside
                // a block: drop what that block gave (an uncompressed block is copied out before
                // its checksum is checked), keep what complete blocks gave.
                if hint > 4 { output.count = mark }
                return .truncated
            }
        }
    }
}
