import CSupport
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
final class ChunkDecompressor {
    private var dctx: OpaquePointer?
    let input = ByteBuffer(capacity: 1 << 16)
    let output = ByteBuffer(capacity: 1 << 18)

    init() throws(ArchiveError) {
        let rc = LZ4F_createDecompressionContext(&dctx, qf_lz4f_version())
        if qf_lz4f_is_error(rc) != 0 { throw ArchiveError(.lz4, path: "", detail: LZ4ChunkFile.errorName(rc)) }
    }

    deinit { if let dctx { LZ4F_freeDecompressionContext(dctx) } }

    /// Reads `path` into `input`.
    func load(_ path: String) throws(ArchiveError) {
        input.removeAll()
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ArchiveError(.read, path: path, errno: Glibc.errno) }
        defer { Glibc.close(fd) }
        while true {
            input.reserve(1 << 16)
            let n = Glibc.read(fd, input.base + input.count, input.capacity - input.count)
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw ArchiveError(.read, path: path, errno: Glibc.errno)
            }
            if n == 0 { break }
            input.count += n
        }
    }

    /// Decompresses `input` into `output`.
    func decompress() -> ChunkCondition {
        output.removeAll()
        LZ4F_resetDecompressionContext(dctx)
        var pos = 0
        var hint = 7 // smallest frame header
        while true {
            let available = input.count - pos
            if hint == 0 {
                return available == 0 ? .complete : .damaged("\(available) bytes after the end of the frame")
            }
            if available == 0 { return .truncated }
            let feed = min(available, hint)
            let mark = output.count
            var consumed = 0
            repeat {
                output.reserve(1 << 17)
                var dstSize = output.capacity - output.count
                var srcSize = feed - consumed
                let r = LZ4F_decompress(dctx, output.base + output.count, &dstSize,
                                        input.base + pos + consumed, &srcSize, nil)
                if qf_lz4f_is_error(r) != 0 {
                    output.count = mark
                    return .damaged(LZ4ChunkFile.errorName(r))
                }
                output.count += dstSize
                consumed += srcSize
                hint = r
                if srcSize == 0 && dstSize == 0 { break }
            } while consumed < feed
            pos += consumed
            if feed < available { continue }
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
