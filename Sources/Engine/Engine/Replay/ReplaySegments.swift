#if canImport(Glibc)
import Glibc
#endif

/// Where a recorded file is cut into pieces that can be decoded independently.
///
/// A piece starts at the start of a line; a cut never falls just before a binary WebSocket frame
/// (`"opcode":2`), because a binary frame belongs to the `451-[…]` header line before it (same
/// socket). With the one data socket a page has, a piece therefore never begins inside a
/// header/attachment pair, and decoding the pieces one after the other yields exactly the events
/// of decoding the whole file. (Attachments of two sockets interleaved across a cut would be
/// recognised by their shape instead: counted in `attachmentsByShape`.)
package enum ReplaySegments {
    /// Lines past a planned cut that are looked at for a start that is not a binary frame.
    static let maxSkippedLines = 64
    /// Longest line inspected for its opcode; a longer line is never chosen as a piece's start.
    static let maxInspectedLine = 4 << 20

    /// Offsets `[0, c1, …, size]` of pieces of about `target` bytes in the file behind `fd`
    /// (strictly increasing; one piece when the file is smaller than `target`).
    package static func boundaries(fd: Int32, size: Int, target: Int) throws(ReplayReadError) -> [Int] {
        var cuts = [0]
        guard size > 0 else { return [0, 0] }
        var planned = max(target, 1)
        while planned < size {
            if let cut = try cut(fd: fd, size: size, near: planned), cut > cuts.last!, cut < size {
                cuts.append(cut)
            }
            planned = max(planned + target, (cuts.last ?? 0) + 1)
        }
        cuts.append(size)
        return cuts
    }

    /// The first line start at or after `offset` whose line is not a binary frame (nil when none
    /// within ``maxSkippedLines`` lines or before the end of the file).
    static func cut(fd: Int32, size: Int, near offset: Int) throws(ReplayReadError) -> Int? {
        // A line starts at `offset` if the byte before it is a newline.
        guard var lineStart = try nextLineStart(fd: fd, size: size, from: offset - 1) else { return nil }
        for _ in 0..<maxSkippedLines {
            guard lineStart < size else { return nil }
            let end = try nextLineStart(fd: fd, size: size, from: lineStart, limit: maxInspectedLine) ?? -1
            if end > 0 {
                let line = try read(fd: fd, at: lineStart, count: end - lineStart)
                if !isBinaryFrame(line) { return lineStart }
                lineStart = end
            } else {
                // too long to inspect: skip it
                guard let next = try nextLineStart(fd: fd, size: size, from: lineStart) else { return nil }
                lineStart = next
            }
        }
        return nil
    }

    /// The offset just after the first newline at or after `from` (nil at end of file, or when
    /// none lies within `limit` bytes).
    static func nextLineStart(fd: Int32, size: Int, from: Int, limit: Int = .max) throws(ReplayReadError) -> Int? {
        var position = max(from, 0)
        let block = 64 << 10
        while position < size, position - from < limit {
            let bytes = try read(fd: fd, at: position, count: min(block, size - position))
            if let i = bytes.firstIndex(of: UInt8(ascii: "\n")) { return position + i + 1 }
            position += bytes.count
        }
        return nil
    }

    /// True when a CDP or perf-log line carries a binary WebSocket frame (`"opcode":2`, the
    /// quotes possibly escaped inside a perf-log message string).
    package static func isBinaryFrame(_ line: [UInt8]) -> Bool {
        let key = Array("opcode".utf8)
        guard line.count > key.count else { return false }
        var i = 0
        while i + key.count <= line.count {
            if line[i] == key[0], line[i..<(i + key.count)].elementsEqual(key) {
                var j = i + key.count
                while j < line.count,
                    line[j] == UInt8(ascii: "\\") || line[j] == UInt8(ascii: "\"") || line[j] == UInt8(ascii: ":")
                        || line[j] == UInt8(ascii: " ")
                { j += 1 }
                if j < line.count, line[j] == UInt8(ascii: "2"), j + 1 >= line.count || !(48...57).contains(line[j + 1])
                {
                    return true
                }
                i = j
            } else {
                i += 1
            }
        }
        return false
    }

    /// `count` bytes at `offset` (fewer at end of file).
    static func read(fd: Int32, at offset: Int, count: Int) throws(ReplayReadError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = out.withUnsafeMutableBytes {
                pread(fd, $0.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReplayReadError(errno: errno)
            }
            if n == 0 { break }
            filled += n
        }
        out.removeLast(count - filled)
        return out
    }
}

/// Reading a recorded file failed.
package struct ReplayReadError: Error, CustomStringConvertible, Sendable {
    /// The `errno` of the failed read.
    package var errno: Int32
    package var description: String { String(cString: strerror(errno)) }
}
