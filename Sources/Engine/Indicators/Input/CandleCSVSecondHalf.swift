import Dispatch

/// The second half of a large CSV document, read on another thread by the one-pass line reader
/// (``CandleCSVReader/fastLines(_:from:stop:end:_:into:)``) while the calling thread reads the first.
/// It starts at a line start and stops at the end, at the first line the one-pass reader leaves
/// to the general one, or where its slots of the final columns are full; the caller joins it when
/// its own reading reaches ``start``, takes its candles (moving them down to its own, in place) and
/// line count, and reads on from ``stop`` itself – so lines, errors and their line numbers are
/// those of one reader going through the document in order.
package final class CandleCSVSecondHalf: @unchecked Sendable {
    /// Documents smaller than this are read by one thread (by default).
    package static let minimumBytes = 1 << 20

    /// Where the half starts (just after a `\n`; a file offset for a file's half).
    let start: Int
    /// Candles written into the half's slots (complete after ``join()``).
    private(set) var count = 0
    /// Where reading stopped (complete after ``join()``).
    private(set) var stop: Int
    /// Lines read (complete after ``join()``).
    private(set) var lines = 0
    /// A read of the file failed (complete after ``join()``).
    private(set) var failed = false
    private let group = DispatchGroup()
    private var joined = false

    /// Starts `read` on another thread with `slots` (which only it writes): it returns where it
    /// stopped and the lines it read, or nil when a read of the file failed.
    init(start: Int, into slots: ColumnSlots, read: @escaping @Sendable (inout ColumnSlots) -> (stop: Int, lines: Int)?)
    {
        self.start = start
        stop = start
        let room = SendableSlots(slots: slots)
        DispatchQueue.global().async(group: group) { [self] in
            var sink = room.slots
            guard let result = read(&sink) else {
                self.failed = true
                return
            }
            self.count = sink.count
            self.lines = result.lines
            self.stop = result.stop
        }
    }

    /// The half `[start, end)` of the document at `base` (which must stay valid until
    /// ``join()`` returns), read into `slots`; it stops early where the slots are full.
    convenience init(_ base: UnsafePointer<UInt8>, start: Int, end: Int, plan: FastLinePlan, into slots: ColumnSlots) {
        let bytes = UnsafeSendablePointer(base: base)
        self.init(start: start, into: slots) { sink in
            let read = CandleCSVReader.fastLines(bytes.base, from: start, stop: -1, end: end, plan, into: &sink)
            return (read.next, read.lines)
        }
    }

    /// The first line start after `middle` (past the next `\n`), or nil when there is none
    /// before the last byte.
    static func lineStart(_ base: UnsafePointer<UInt8>, after middle: Int, end: Int) -> Int? {
        var i = middle
        while i < end && base[i] != 0x0A { i += 1 }
        return i + 1 < end ? i + 1 : nil
    }

    /// Waits until the half is read (once; later calls return at once).
    func join() {
        guard !joined else { return }
        group.wait()
        joined = true
    }
}

/// Slots handed to another thread, which alone writes into them.
struct SendableSlots: @unchecked Sendable {
    let slots: ColumnSlots
}

/// The document's bytes as the second half's thread sees them (read only).
private struct UnsafeSendablePointer: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
}
