import Archive
import Dispatch
import Indicators

/// Archived candle records turned into columns in one pass on several threads: what
/// ``AnalysisCandleLoader/archive(_:asset:timeframe:threads:)`` does with the exporter's runs of
/// stored candles, instead of appending the candles one by one on one thread.
extension CandleColumns {
    /// Fewer records than this per thread are converted on fewer threads.
    package static let minimumRecordsPerThread = 16_384

    /// The candles of `runs`, in order (one row per record: start as the timestamp, its prices,
    /// volume 1000 – an archived candle has none), filled into arrays of the final size
    /// (``CandleColumns/filling(capacity:_:)``) on up to `threads` threads, each a contiguous
    /// range of the runs written through its own slots.
    package init(runs: [[CandleRecord]], threads: Int) {
        var offsets: [Int] = []
        offsets.reserveCapacity(runs.count + 1)
        var total = 0
        for run in runs {
            offsets.append(total)
            total += run.count
        }
        offsets.append(total)
        let lanes = max(1, min(threads, total / Self.minimumRecordsPerThread))
        // Lane boundaries at run boundaries, about equal records each.
        var bounds = [0]
        var r = 0
        for lane in 1..<lanes {
            let wanted = total * lane / lanes
            while r < runs.count, offsets[r] < wanted { r += 1 }
            bounds.append(r)
        }
        bounds.append(runs.count)
        let filled = CandleColumns.filling(capacity: total) { slots in
            let fill = RunFill(runs: runs, offsets: offsets, bounds: bounds, slots: slots)
            if lanes == 1 {
                fill.run(lane: 0)
            } else {
                DispatchQueue.concurrentPerform(iterations: lanes) { fill.run(lane: $0) }
            }
            return total
        }
        self = filled ?? CandleColumns()
    }

    /// The runs of one lane into the six columns (each lane its own rows: no element is
    /// written twice).
    private final class RunFill: @unchecked Sendable {
        let runs: [[CandleRecord]]
        let offsets: [Int]
        let bounds: [Int]
        let slots: ColumnSlots

        init(runs: [[CandleRecord]], offsets: [Int], bounds: [Int], slots: ColumnSlots) {
            self.runs = runs
            self.offsets = offsets
            self.bounds = bounds
            self.slots = slots
        }

        func run(lane: Int) {
            var sink = slots.suffix(from: offsets[bounds[lane]])
            for r in bounds[lane]..<bounds[lane + 1] {
                runs[r].withUnsafeBufferPointer { records in
                    for x in records {
                        sink.append(
                            timestamp: Double(x.start), open: x.open, high: x.high, low: x.low, close: x.close,
                            volume: 1000)
                    }
                }
            }
        }
    }
}
