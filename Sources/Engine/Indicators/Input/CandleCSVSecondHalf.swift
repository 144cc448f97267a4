import Dispatch

/// The second half of a large CSV document, read on another thread by the one-pass line reader
/// (``CandleCSVReader/fastLines(_:from:stop:end:_:into:)``) while the calling thread reads the first.
/// It starts at a line start and stops at the end or at the first line the one-pass reader leaves
/// to the general one; the caller joins it when its own reading reaches ``start``, takes its
/// candles and line count, and reads on from ``stop`` itself – so lines, errors and their line
/// numbers are those of one reader going through the document in order.
package final class CandleCSVSecondHalf: @unchecked Sendable {
    /// Documents smaller than this are read by one thread (by default).
    package static let minimumBytes = 1 << 20

    /// Where the half starts (just after a `\n`).
    let start: Int
    /// Candles read (complete after ``join()``).
    private(set) var columns = CandleColumns()
    /// Where reading stopped (complete after ``join()``).
    private(set) var stop: Int
    /// Lines read (complete after ``join()``).
    private(set) var lines = 0
    private let group = DispatchGroup()
    private var joined = false

    /// Starts reading the second half of `[from, end)` at `base`, or nil when the range is
    /// smaller than `minimumBytes` or has no line start past its middle. `base` must stay valid
    /// until ``join()`` returns.
    init?(_ base: UnsafePointer<UInt8>, from: Int, end: Int, plan: FastLinePlan, minimumBytes: Int) {
        guard end - from >= minimumBytes else { return nil }
        var i = from + (end - from) / 2
        while i < end && base[i] != 0x0A { i += 1 }
        guard i + 1 < end else { return nil }
        start = i + 1
        stop = start
        let bytes = UnsafeSendablePointer(base: base)
        DispatchQueue.global().async(group: group) { [self] in
            let base = bytes.base
            var columns = CandleColumns()
            columns.reserveCapacity(CandleCSVReader.estimatedLines(base, from: start, end: end))
            let read = CandleCSVReader.fastLines(base, from: start, stop: -1, end: end, plan, into: &columns)
            self.columns = columns
            self.lines = read.lines
            self.stop = read.next
        }
    }

    /// Waits until the half is read (once; later calls return at once).
    func join() {
        guard !joined else { return }
        group.wait()
        joined = true
    }
}

/// The document's bytes as the second half's thread sees them (read only).
private struct UnsafeSendablePointer: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
}

extension CandleColumns {
    /// Appends every candle of `other`, in order.
    package mutating func append(contentsOf other: CandleColumns) {
        timestamps += other.timestamps
        opens += other.opens
        highs += other.highs
        lows += other.lows
        closes += other.closes
        volumes += other.volumes
    }
}
