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
    /// volume 1000 – an archived candle has none), filled into arrays of the final size on up
    /// to `threads` threads, each a contiguous range of the runs.
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
        func column() -> [Double] {
            // Every element is written below before anything reads it.
            [Double](unsafeUninitializedCapacity: total) { _, initialized in initialized = total }
        }
        var timestamps = column(), opens = column(), highs = column(), lows = column(), closes = column()
        var volumes = column()
        timestamps.withUnsafeMutableBufferPointer { t in
            opens.withUnsafeMutableBufferPointer { o in
                highs.withUnsafeMutableBufferPointer { h in
                    lows.withUnsafeMutableBufferPointer { l in
                        closes.withUnsafeMutableBufferPointer { c in
                            volumes.withUnsafeMutableBufferPointer { v in
                                let fill = RunFill(
                                    runs: runs, offsets: offsets, bounds: bounds,
                                    columns: (
                                        t.baseAddress, o.baseAddress, h.baseAddress, l.baseAddress,
                                        c.baseAddress, v.baseAddress
                                    ))
                                if lanes == 1 {
                                    fill.run(lane: 0)
                                } else {
                                    DispatchQueue.concurrentPerform(iterations: lanes) { fill.run(lane: $0) }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.init()
        self.timestamps = timestamps
        self.opens = opens
        self.highs = highs
        self.lows = lows
        self.closes = closes
        self.volumes = volumes
    }

    /// The runs of one lane into the six columns (each lane its own rows: no element is
    /// written twice).
    private final class RunFill: @unchecked Sendable {
        typealias Column = UnsafeMutablePointer<Double>?
        let runs: [[CandleRecord]]
        let offsets: [Int]
        let bounds: [Int]
        let columns: (Column, Column, Column, Column, Column, Column)

        init(
            runs: [[CandleRecord]], offsets: [Int], bounds: [Int],
            columns: (Column, Column, Column, Column, Column, Column)
        ) {
            self.runs = runs
            self.offsets = offsets
            self.bounds = bounds
            self.columns = columns
        }

        func run(lane: Int) {
            guard let t = columns.0, let o = columns.1, let h = columns.2, let l = columns.3, let c = columns.4,
                let v = columns.5
            else { return }
            for r in bounds[lane]..<bounds[lane + 1] {
                var i = offsets[r]
                runs[r].withUnsafeBufferPointer { records in
                    for x in records {
                        t[i] = Double(x.start)
                        o[i] = x.open
                        h[i] = x.high
                        l[i] = x.low
                        c[i] = x.close
                        v[i] = 1000
                        i += 1
                    }
                }
            }
        }
    }
}
