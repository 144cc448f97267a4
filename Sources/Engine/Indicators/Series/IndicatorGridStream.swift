import Dispatch
import ThreadSupport

/// Indicators computed and written block by block, with no whole grid: one block of rows at a
/// time is computed (every indicator fed the candles in order, as ``compute(_:specs:)``) into a
/// small ring of reused value blocks, each computed block is formatted into a ring of text
/// buffers, and the calling thread hands the text to the sink in row order. Computing (one block
/// at a time, in order), formatting (any computed block) and writing are tasks that the calling
/// thread and `threads - 1` helpers take as soon as they may run, so every core stays busy;
/// the values and text of a block stay in cache, and the grid's pages (8 bytes per row and
/// column) are never touched. The same bytes as computing the grid and writing it.
extension IndicatorGrid {
    /// Rows of a block computed and written together (7 columns: about 0.3 MB of CSV; smaller
    /// blocks touch fewer fresh pages, larger ones cost more hand-overs: 2,048 measured best).
    package static let streamRowsPerBlock = 2048

    /// Computes `specs` over `candles` and writes the rows as text in `format` to `sink`: the
    /// header, then the rows in order, in blocks of `rowsPerBlock` rows, on `threads` threads
    /// (this one included). `sink` is only called on this thread. What `qflux indicators` prints.
    package static func write(
        _ candles: CandleColumns, specs: [IndicatorSpec], format: Format, rowsPerBlock: Int,
        threads: Int, to sink: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        let layout = RowLayout(columns: specs.flatMap(\.columns), format: format)
        try layout.head.withUnsafeBytes { if $0.count > 0 { try sink($0) } }
        guard !candles.isEmpty else { return }
        let perBlock = max(1, rowsPerBlock)
        let helpers = max(0, min(threads - 1, (candles.count + perBlock - 1) / perBlock - 1))
        let job = StreamJob(candles: candles, specs: specs, layout: layout, perBlock: perBlock)
        defer { job.deallocate() }
        let group = DispatchGroup()
        for _ in 0..<helpers {
            DispatchQueue.global().async(group: group) { job.help() }
        }
        // Runs before the buffers are freed, also when `sink` throws: the helpers stop first.
        defer {
            job.stop()
            group.wait()
        }
        while let block = job.nextText() {
            try sink(block.text)
            job.markWritten(block.index)
        }
    }

    /// The rings of value blocks and text buffers, and which block is where, behind one lock.
    /// A task touches only its own block's slots: computing block `k` writes value slot
    /// `k % slots` (free once block `k - slots` was formatted), formatting it reads that slot
    /// and writes text slot `k % slots` (free once block `k - slots` was written).
    final class StreamJob: @unchecked Sendable {
        /// Slots in each ring.
        static let slots = 4

        let candles: CandleColumns
        let layout: RowLayout
        let perBlock: Int
        let capacity: Int
        let times: UnsafeMutablePointer<Double>
        let values: UnsafeMutablePointer<Double>
        let buffers: UnsafeMutablePointer<UInt8>
        /// Guards the state below; broadcast whenever it changes.
        let lock = ConditionLock()

        // Only the computing task touches these (one at a time, in block order).
        var indicators: IndicatorSet
        var row: [Double]
        var cursor = 0

        // Behind `lock`.
        /// Blocks computed (0..<computed), and whether one is being computed.
        var computed = 0
        var computing = false
        /// Whether the candles ran out: then `computed` is the number of blocks.
        var finished = false
        /// The next block to format; blocks written (0..<written).
        var nextFormat = 0
        var written = 0
        /// Per slot: rows of the computed block, its text length, whether its value block
        /// awaits formatting, whether its text is formatted (awaits writing).
        var rows = [Int](repeating: 0, count: slots)
        var lengths = [Int](repeating: 0, count: slots)
        var valuesBusy = [Bool](repeating: false, count: slots)
        var textReady = [Bool](repeating: false, count: slots)
        var stopped = false

        init(candles: CandleColumns, specs: [IndicatorSpec], layout: RowLayout, perBlock: Int) {
            self.candles = candles
            self.layout = layout
            self.perBlock = perBlock
            capacity = perBlock * layout.rowMax
            times = .allocate(capacity: Self.slots * perBlock)
            values = .allocate(capacity: max(1, Self.slots * perBlock * layout.width))
            buffers = .allocate(capacity: Self.slots * capacity)
            indicators = IndicatorSet(specs)
            row = [Double](repeating: .nan, count: layout.width)
        }

        func deallocate() {
            times.deallocate()
            values.deallocate()
            buffers.deallocate()
        }

        /// A task a thread may run now.
        enum Task {
            case compute(Int)
            /// A block and its rows.
            case format(Int, rows: Int)
        }

        /// Claims a task that may run now (lock held): the next block's computing when its
        /// value slot is free (it is the chain every block waits on), else the formatting of the
        /// next computed block whose text slot is free.
        private func claim() -> Task? {
            if !computing, !finished, !valuesBusy[computed % Self.slots] {
                computing = true
                return .compute(computed)
            }
            if nextFormat < computed, nextFormat < written + Self.slots {
                nextFormat += 1
                return .format(nextFormat - 1, rows: rows[(nextFormat - 1) % Self.slots])
            }
            return nil
        }

        /// Runs `task` (lock not held), then records it (lock held again).
        private func run(_ task: Task) {
            lock.unlock()
            switch task {
            case let .compute(k):
                let n = compute(into: k % Self.slots)
                lock.lock()
                computing = false
                if n > 0 {
                    rows[k % Self.slots] = n
                    valuesBusy[k % Self.slots] = true
                    computed = k + 1
                }
                if cursor == candles.count { finished = true }
            case let .format(k, count):
                let length = format(k % Self.slots, rows: count)
                lock.lock()
                lengths[k % Self.slots] = length
                valuesBusy[k % Self.slots] = false
                textReady[k % Self.slots] = true
            }
            lock.broadcast()
        }

        /// A helper thread: runs tasks until every block is formatted or the writer stopped.
        func help() {
            lock.lock()
            while !stopped, !(finished && nextFormat == computed) {
                if let task = claim() {
                    run(task)
                } else {
                    lock.wait()
                }
            }
            lock.unlock()
        }

        /// The writing thread: the next block's text once it is formatted (running tasks while
        /// it waits), or nil after the last block.
        func nextText() -> (index: Int, text: UnsafeRawBufferPointer)? {
            lock.lock()
            defer { lock.unlock() }
            while true {
                if finished && written == computed { return nil }
                let slot = written % Self.slots
                if written < computed, textReady[slot] {
                    return (written, UnsafeRawBufferPointer(start: buffers + slot * capacity, count: lengths[slot]))
                }
                if let task = claim() {
                    run(task)
                } else {
                    lock.wait()
                }
            }
        }

        /// Block `k`'s text was written: its slot is free.
        func markWritten(_ k: Int) {
            lock.lock()
            textReady[k % Self.slots] = false
            written = k + 1
            lock.broadcast()
            lock.unlock()
        }

        /// The writer is done (or failed): helpers stop taking tasks.
        func stop() {
            lock.lock()
            stopped = true
            lock.broadcast()
            lock.unlock()
        }

        /// Feeds the indicators candles until they gave a block of rows or the candles end,
        /// into value slot `slot`; the rows given.
        private func compute(into slot: Int) -> Int {
            let width = layout.width
            let blockTimes = times + slot * perBlock
            let blockValues = values + slot * perBlock * width
            // Locals for the loop (no access of this object's properties per candle).
            let candles = self.candles
            var indicators = self.indicators
            var row = self.row
            var cursor = self.cursor
            var r = 0
            let end = candles.count
            while r < perBlock, cursor < end {
                let c = candles[cursor]
                cursor += 1
                guard indicators.push(c, into: &row) else { continue }
                let at = blockValues + r * width
                for k in 0..<width { at[k] = row[k] }
                blockTimes[r] = c.timestamp
                r += 1
            }
            self.indicators = indicators
            self.row = row
            self.cursor = cursor
            return r
        }

        /// Formats the `count` rows of value slot `slot` into text slot `slot`; the text's length.
        private func format(_ slot: Int, rows count: Int) -> Int {
            let base = buffers + slot * capacity
            let end = IndicatorGrid.format(
                times: times + slot * perBlock, values: values + slot * perBlock * layout.width,
                rows: 0..<count, layout: layout, at: base)
            return end - base
        }
    }
}
