internal import CDecodeShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor in large blocks and hands out its lines in place, each followed by
/// at least 64 readable bytes (what simdjson needs), so the decoder parses them without copying.
/// Lines of any length are supported: the buffer grows to the longest line.
public final class LineReader {
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0  // first byte not yet handed out
    private var end = 0  // bytes filled
    private var eof = false
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Bytes read so far.
    public private(set) var bytesRead = 0
    /// Asked before each read and every 200 ms while waiting for input: true ends the input
    /// there (as if at end of file), so a command told to stop while it waits on a pipe or a
    /// terminal stops. Nil: reads block until data or end of file.
    public var stopRequested: (() -> Bool)?

    private static let padding = 64

    /// Opens `path` for reading ("-" is standard input).
    public init(path: String, blockSize: Int = 1 << 20) throws(DecodeError) {
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else { throw DecodeError(.unreadableInput(path: path, errno: errno)) }
            var info = stat()
            if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw DecodeError(.unreadableInput(path: path, errno: EISDIR))
            }
            fd = opened
            ownsDescriptor = true
        }
        capacity = blockSize
        buffer = .allocate(byteCount: capacity + Self.padding, alignment: 64)
        self.path = path
    }

    /// Reads from an already open descriptor (not closed by the reader).
    public init(descriptor: Int32, blockSize: Int = 1 << 20) {
        fd = descriptor
        ownsDescriptor = false
        capacity = blockSize
        buffer = .allocate(byteCount: capacity + Self.padding, alignment: 64)
        path = "fd \(descriptor)"
    }

    private let path: String

    deinit {
        if ownsDescriptor { close(fd) }
        buffer.deallocate()
    }

    /// Calls `body` with each line (without its newline) and how many bytes are readable from
    /// the line's start. Throws when reading fails.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        while true {
            // Hand out every complete line in the buffer (the last one too, at end of input).
            if eof { memset(buffer + end, 0, Self.padding) }
            var offset = start
            var line = qf_bytes()
            let base = buffer.assumingMemoryBound(to: UInt8.self)
            while qf_jsonl_next(base, end, &offset, eof ? 1 : 0, &line) == 1 {
                let lineStart = UnsafeRawPointer(line.ptr!) - UnsafeRawPointer(buffer)
                start = offset
                try body(UnsafeRawBufferPointer(start: line.ptr, count: line.len), capacity + Self.padding - lineStart)
            }
            if eof { return }
            try fill()
        }
    }

    /// Calls `body` with each line of a complete in-memory input (the last line needs no newline)
    /// and how many bytes are readable from the line's start, splitting exactly as
    /// ``forEachLine(_:)`` does. The 64 bytes after `bytes` must be readable.
    public static func forEachLine(
        inPadded bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int) throws -> Void
    ) rethrows {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        var line = qf_bytes()
        let start = base.assumingMemoryBound(to: UInt8.self)
        while qf_jsonl_next(start, bytes.count, &offset, 1, &line) == 1 {
            let lineStart = UnsafeRawPointer(line.ptr!) - base
            try body(UnsafeRawBufferPointer(start: line.ptr, count: line.len), bytes.count + padding - lineStart)
        }
    }

    /// Waits until the descriptor is readable (or at end of input); false when `stop` asked to
    /// stop first. Signals may be delivered to any thread, so the reader looks at `stop` itself.
    private func waitForInput(_ stop: () -> Bool) -> Bool {
        var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            if stop() { return false }
            let ready = poll(&request, 1, 200)
            if ready > 0 || (ready < 0 && errno != EINTR) { return true }  // readable, hung up, or let read report it
        }
    }

    /// Moves the partial line to the front (growing when it fills the buffer) and reads more.
    private func fill() throws {
        let partial = end - start
        if start > 0 {
            memmove(buffer, buffer + start, partial)
            start = 0
            end = partial
        }
        if end == capacity {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2 + Self.padding, alignment: 64)
            grown.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        while true {
            if let stopRequested, !waitForInput(stopRequested) {
                eof = true
                return
            }
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw DecodeError(.unreadableInput(path: path, errno: errno))
            }
            if n == 0 { eof = true } else { end += n; bytesRead += n }
            // Bytes past `end` are stale but readable; simdjson only needs them to exist.
            return
        }
    }
}
