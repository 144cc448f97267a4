import Dispatch
import TextWriters

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The grid's text written by several threads: blocks of rows are formatted into separate
/// buffers on every core, a round of blocks ahead of the writing, and handed to the sink in row
/// order by the calling thread. The same bytes as ``IndicatorGrid/text(_:)``: a row's text does
/// not depend on the rows before it (``DecimalWriter``'s remembered scale only saves checks).
extension IndicatorGrid {
    /// Rows one thread formats into one buffer (7 columns: about 0.6 MB of CSV).
    package static let rowsPerBlock = 4096

    /// Threads that format: the processors online, at least 1, at most 8.
    package static var formattingThreads: Int {
        max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// Writes the grid as text in `format` to `sink`: the header, then blocks of `rowsPerBlock`
    /// rows formatted on `threads` threads while this thread hands the previous round of blocks
    /// to `sink`, in row order. `sink` is only called on this thread.
    package func write(
        _ format: Format, rowsPerBlock: Int = Self.rowsPerBlock, threads: Int = Self.formattingThreads,
        to sink: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        let layout = RowLayout(columns: columns, format: format)
        try layout.head.withUnsafeBytes { if $0.count > 0 { try sink($0) } }
        guard rowCount > 0 else { return }
        let perBlock = max(1, rowsPerBlock)
        let blocks = (rowCount + perBlock - 1) / perBlock
        let lanes = max(1, min(threads, blocks))
        let job = BlockJob(grid: self, layout: layout, perBlock: perBlock, lanes: lanes)
        defer { job.deallocate() }
        let group = DispatchGroup()
        var formatting = false
        // Runs before the buffers are freed, also when `sink` throws.
        defer { if formatting { group.wait() } }

        job.format(round: 0, into: 0)
        var round = 0
        while round * lanes < blocks {
            let set = round & 1
            if (round + 1) * lanes < blocks {
                formatting = true
                let next = round + 1
                DispatchQueue.global().async(group: group) { job.format(round: next, into: 1 - set) }
            }
            for lane in 0..<min(lanes, blocks - round * lanes) {
                try sink(job.text(set: set, lane: lane))
            }
            if formatting {
                group.wait()
                formatting = false
            }
            round += 1
        }
    }

    /// What every row of a format needs: the header, JSON keys, an upper bound of a row's bytes.
    struct RowLayout: Sendable {
        let format: Format
        let width: Int
        let head: [UInt8]
        /// `,"<column>":` per column (JSON lines).
        let keys: [[UInt8]]
        let rowMax: Int

        /// `{"timestamp":`
        static let prefix: [UInt8] = Array("{\"timestamp\":".utf8)

        init(columns: [String], format: Format) {
            self.format = format
            width = columns.count
            var keys: [[UInt8]] = []
            switch format {
            case .csv:
                head = Array(("timestamp," + columns.joined(separator: ",") + "\n").utf8)
            case .jsonl:
                head = []
                for name in columns {
                    var w = JSONWriter()
                    w.comma()
                    w.string(name)
                    w.raw(":")
                    keys.append(w.bytes)
                }
            }
            self.keys = keys
            rowMax = Self.prefix.count + (width + 1) * (DecimalWriter.maxLength + 8) + keys.reduce(0) { $0 + $1.count }
        }
    }

    /// The buffers of two rounds of `lanes` blocks, and what each block's text came to. Shared
    /// by the formatting threads: each writes only its own block's buffer and length, and the
    /// writing thread reads a round only after the group that formatted it was waited for.
    final class BlockJob: @unchecked Sendable {
        let grid: IndicatorGrid
        let layout: RowLayout
        let perBlock: Int
        let lanes: Int
        let capacity: Int
        let buffers: UnsafeMutablePointer<UInt8>
        let lengths: UnsafeMutablePointer<Int>

        init(grid: IndicatorGrid, layout: RowLayout, perBlock: Int, lanes: Int) {
            self.grid = grid
            self.layout = layout
            self.perBlock = perBlock
            self.lanes = lanes
            capacity = perBlock * layout.rowMax
            buffers = .allocate(capacity: 2 * lanes * capacity)
            lengths = .allocate(capacity: 2 * lanes)
            lengths.initialize(repeating: 0, count: 2 * lanes)
        }

        func deallocate() {
            buffers.deallocate()
            lengths.deallocate()
        }

        /// The text of `lane`'s block in buffer set `set`.
        func text(set: Int, lane: Int) -> UnsafeRawBufferPointer {
            let slot = set * lanes + lane
            return UnsafeRawBufferPointer(start: buffers + slot * capacity, count: lengths[slot])
        }

        /// Formats the blocks of `round` into buffer set `set`, one block per thread.
        func format(round: Int, into set: Int) {
            let first = round * lanes
            let count = min(lanes, (grid.rowCount + perBlock - 1) / perBlock - first)
            guard count > 0 else { return }
            if count == 1 {
                formatBlock(first, slot: set * lanes)
                return
            }
            DispatchQueue.concurrentPerform(iterations: count) { i in formatBlock(first + i, slot: set * lanes + i) }
        }

        private func formatBlock(_ block: Int, slot: Int) {
            let start = block * perBlock
            let rows = start..<min(grid.rowCount, start + perBlock)
            let base = buffers + slot * capacity
            lengths[slot] = IndicatorGrid.format(grid, rows: rows, layout: layout, at: base) - base
        }
    }

    /// Writes rows `rows` of `grid` at `p` (room for `rows.count * layout.rowMax` bytes) and
    /// returns the end of the text.
    static func format(
        _ grid: IndicatorGrid, rows: Range<Int>, layout: RowLayout, at start: UnsafeMutablePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        grid.values.withUnsafeBufferPointer { values in
            grid.timestamps.withUnsafeBufferPointer { times in
                guard let t = times.baseAddress else { return start }
                return format(times: t, values: values.baseAddress, rows: rows, layout: layout, at: start)
            }
        }
    }

    /// Writes rows `rows` at `p` (room for `rows.count * layout.rowMax` bytes) and returns the
    /// end of the text: row `r` is `times[r]` and `values[r * layout.width ..< (r + 1) *
    /// layout.width]` (`values` may be nil only when there are no columns).
    static func format(
        times: UnsafePointer<Double>, values: UnsafePointer<Double>?, rows: Range<Int>, layout: RowLayout,
        at start: UnsafeMutablePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        var p = start
        var numbers = DecimalWriter()
        let width = layout.width
        for r in rows {
            let row = values.map { $0 + r * width }
            switch layout.format {
            case .csv:
                csvNumber(times[r], &numbers, at: &p)
                for k in 0..<width {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                    csvNumber(row![k], &numbers, at: &p)
                }
            case .jsonl:
                RowLayout.prefix.withUnsafeBufferPointer { b in
                    p.update(from: b.baseAddress!, count: b.count)
                    p += b.count
                }
                jsonNumber(times[r], &numbers, at: &p)
                for k in 0..<width {
                    layout.keys[k].withUnsafeBufferPointer { b in
                        p.update(from: b.baseAddress!, count: b.count)
                        p += b.count
                    }
                    jsonNumber(row![k], &numbers, at: &p)
                }
                p.pointee = UInt8(ascii: "}")
                p += 1
            }
            p.pointee = 0x0A
            p += 1
        }
        return p
    }
}
