import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

extension CandleCSVReader {
    /// Bytes of a window of whole lines (grown for a longer line).
    package static let windowBytes = 256 << 10

    /// Reads a CSV file; errors are worded as ``CandleCSV/load(path:)`` words them.
    ///
    /// A regular file larger than `window` bytes is read in windows of whole lines, one small
    /// buffer refilled with `pread` (``LineWindow``), and from `splitAbove` bytes on its second
    /// half by another thread the same way
    /// (``CandleCSVSecondHalf/reading(_:start:plan:window:into:)``): the whole file is never in
    /// memory, so its pages are never made, and the copy out of the page cache is shared by the
    /// two threads. Other files (small ones, pipes, `/dev/stdin`) are read whole
    /// (``FileBytesBuffer``). Either way: the candles and errors of ``read(_:splitAbove:)`` on the
    /// file's bytes.
    package static func read(
        path: String, window: Int = windowBytes, splitAbove: Int = CandleCSVSecondHalf.minimumBytes
    ) throws(CandleCSVError) -> CandleColumns {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CandleCSVError(line: 0, "cannot read \(path)") }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : -1
        var columns: CandleColumns?
        do {
            if size > window {
                columns = try readWindows(fd, size: size, window: window, splitAbove: splitAbove)
            } else if let file = FileBytesBuffer(path: path) {
                columns = try withExtendedLifetime(file) { () throws(CandleCSVError) in try read(file.bytes) }
            }
        } catch {
            throw CandleCSVError(
                line: error.line, "\(path): " + (error.line > 0 ? "line \(error.line): " : "") + error.message)
        }
        guard let columns else { throw CandleCSVError(line: 0, "cannot read \(path)") }
        return columns
    }

    /// The windowed reading of ``read(path:window:splitAbove:)``; nil when a read failed. Split
    /// from `splitAbove` bytes on, into the final columns made up front at the size the first
    /// lines suggest (read again into growing columns, one thread, when the file holds more).
    private static func readWindows(_ fd: Int32, size: Int, window: Int, splitAbove: Int) throws(CandleCSVError)
        -> CandleColumns?
    {
        if size >= splitAbove {
            let lines = LineWindow(fd: fd, offset: 0, capacity: window)
            guard lines.fill() else { return nil }
            let estimate = estimatedLines(lines.base, from: 0, end: lines.end, total: size) + 64
            var failed = false
            let columns = try CandleColumns.filling(capacity: estimate) { slots throws(CandleCSVError) -> Int? in
                var sink = slots
                failed = try !readWindows(fd, lines, size: size, splitAbove: splitAbove, into: &sink)
                return failed || sink.overflowed ? nil : sink.count
            }
            if failed { return nil }
            if let columns { return columns }
        }
        var columns = CandleColumns()
        let lines = LineWindow(fd: fd, offset: 0, capacity: window)
        guard try readWindows(fd, lines, size: size, splitAbove: Int.max, into: &columns) else { return nil }
        return columns
    }

    /// The windowed reading into `sink` through `lines` (at the file's start), with a second
    /// half on another thread from `splitAbove` bytes on (only into ``ColumnSlots``, whose room
    /// it shares); false when a read failed.
    private static func readWindows<Sink: CandleSink>(
        _ fd: Int32, _ lines: LineWindow, size: Int, splitAbove: Int, into sink: inout Sink
    ) throws(CandleCSVError) -> Bool {
        var scan = Scan()
        let slots = sink as? ColumnSlots
        var secondHalf: CandleCSVSecondHalf?
        var halfOffset = 0
        // The second half's thread writes into the same columns: wait for it on every way out.
        defer { secondHalf?.join() }
        while true {
            guard lines.fill() else { return false }
            // The second half's start, when it lies in this window.
            var stop = -1
            if let half = secondHalf, half.start - lines.offset <= lines.end { stop = half.start - lines.offset }
            let reached = try scan.lines(
                lines.base, from: lines.position, end: lines.end, final: lines.isFinal, stop: stop,
                documentEnd: size - lines.offset, into: &sink
            ) { next, plan, rows in
                let from = lines.offset + next
                guard let slots, size - from >= splitAbove,
                    let start = CandleCSVSecondHalf.lineStart(fd, after: from + (size - from) / 2, size: size)
                else { return }
                // Room for the first half's lines as estimated, then the second half's.
                halfOffset = rows + estimatedLines(lines.base, from: next, end: lines.end, total: start - from)
                secondHalf = CandleCSVSecondHalf.reading(
                    fd, start: start, plan: plan, window: lines.capacity, into: slots.suffix(from: halfOffset))
            }
            if let half = secondHalf, let slots, stop >= 0, reached == stop {
                half.join()
                guard !half.failed else { return false }
                sink.share { $0.adopt(half.count, from: halfOffset, capacity: slots.capacity) }
                scan.lineNumber += half.lines
                lines.jump(to: half.stop)
                secondHalf = nil
                continue
            }
            lines.position = reached
            if lines.isFinal && reached == lines.end { return true }
            // The layout is known: keep below the second half's room.
            if secondHalf != nil { sink.share { $0.limit(to: halfOffset) } }
        }
    }
}

/// A window of whole lines of a file: a buffer refilled with `pread` from a file offset on, so
/// no descriptor position is shared. After ``fill()``, `[position, end)` are the next whole
/// lines (`end` just past a `\n`), or the rest of the file when ``isFinal``.
final class LineWindow {
    let fd: Int32
    /// File offset of the buffer's first byte.
    private(set) var offset: Int
    /// Where the reader stands in the buffer (it sets this to what it has read up to).
    var position = 0
    /// The end of the whole lines read into the buffer.
    private(set) var end = 0
    /// The buffer holds the file up to its end.
    private(set) var isFinal = false
    private(set) var capacity: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private var filled = 0
    private var atEndOfFile = false

    init(fd: Int32, offset: Int, capacity: Int) {
        self.fd = fd
        self.offset = offset
        self.capacity = max(capacity, 64)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// The buffer's start.
    var base: UnsafePointer<UInt8> { UnsafePointer(buffer) }

    /// Keeps what is not read yet (`[position, filled)`, moved to the start) and reads on until
    /// the buffer holds a whole line past it or the file's end. False when a read failed.
    func fill() -> Bool {
        if position > 0 {
            let kept = filled - position
            if kept > 0 { (buffer).update(from: buffer + position, count: kept) }
            offset += position
            filled = kept
            position = 0
        }
        var searched = 0
        while true {
            while filled < capacity && !atEndOfFile {
                let n = pread(fd, buffer + filled, capacity - filled, off_t(offset + filled))
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    atEndOfFile = true
                } else if errno != EINTR {
                    return false
                }
            }
            if atEndOfFile {
                end = filled
                isFinal = true
                return true
            }
            // The end of the last whole line, looked for from the buffer's end (a line's length away).
            var k = filled
            while k > searched && buffer[k - 1] != 0x0A { k -= 1 }
            if k > searched {
                end = k
                isFinal = false
                return true
            }
            // A line longer than the window: grow it.
            searched = filled
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: filled)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
    }

    /// Starts again at file offset `fileOffset` (a line start), with nothing read.
    func jump(to fileOffset: Int) {
        offset = fileOffset
        position = 0
        filled = 0
        end = 0
        isFinal = false
        atEndOfFile = false
    }
}

/// The second half of a large CSV file (``CandleCSVSecondHalf``'s contract, offsets in the
/// file), read on another thread through its own ``LineWindow``.
extension CandleCSVSecondHalf {
    /// Starts reading the file `fd` (which must stay open until ``join()`` returns) from the
    /// line start `start` into `slots`; it stops early where the slots are full.
    static func reading(_ fd: Int32, start: Int, plan: FastLinePlan, window: Int, into slots: ColumnSlots)
        -> CandleCSVSecondHalf
    {
        CandleCSVSecondHalf(start: start, into: slots) { sink in
            let lines = LineWindow(fd: fd, offset: start, capacity: window)
            var count = 0
            while true {
                guard lines.fill() else { return nil }
                let read = CandleCSVReader.fastLines(
                    lines.base, from: lines.position, stop: -1, end: lines.end, plan, into: &sink)
                count += read.lines
                if read.next < lines.end || lines.isFinal { return (lines.offset + read.next, count) }
                lines.position = read.next
            }
        }
    }

    /// The first line start after file offset `middle` (past the next `\n`), or nil when there
    /// is none before the end.
    static func lineStart(_ fd: Int32, after middle: Int, size: Int) -> Int? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        var at = middle
        while at < size {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            if let i = chunk[0..<n].firstIndex(of: 0x0A) { return at + i + 1 < size ? at + i + 1 : nil }
            at += n
        }
        return nil
    }
}
