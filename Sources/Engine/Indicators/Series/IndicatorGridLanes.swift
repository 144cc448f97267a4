import Dispatch

/// The grid computed on several threads: the specs split into contiguous groups, each group's
/// indicators fed every candle on its own thread and writing its own columns of the rows. The
/// same grid as ``IndicatorGrid/compute(_:specs:)``: an indicator sees the same candles either
/// way (candles not newer than their predecessor are skipped by every group alike).
extension IndicatorGrid {
    /// Computes every indicator of `specs` over `candles` on up to `threads` threads (one spec
    /// group each).
    package static func compute(_ candles: CandleColumns, specs: [IndicatorSpec], threads: Int) -> IndicatorGrid {
        let groups = specGroups(specs, count: threads)
        guard groups.count > 1 else { return compute(candles, specs: specs) }
        var grid = IndicatorGrid(columns: specs.flatMap(\.columns))
        // The rows: candles newer than the last taken one (IndicatorSet.push's rule).
        var last: Double?
        grid.timestamps.reserveCapacity(candles.count)
        for t in candles.timestamps {
            if let l = last, t <= l { continue }
            grid.timestamps.append(t)
            last = t
        }
        let width = grid.columns.count
        let rows = grid.rowCount
        grid.values = [Double](unsafeUninitializedCapacity: rows * width) { buffer, initialized in
            let lanes = LaneWriter(base: buffer.baseAddress, width: width, rows: rows)
            DispatchQueue.concurrentPerform(iterations: groups.count) { g in
                lanes.fill(candles, specs: groups[g].specs, firstColumn: groups[g].firstColumn)
            }
            initialized = rows * width
        }
        return grid
    }

    /// `specs` in at most `count` contiguous groups of about equal columns, with the column
    /// each group's outputs start at.
    package static func specGroups(_ specs: [IndicatorSpec], count: Int) -> [(specs: [IndicatorSpec], firstColumn: Int)]
    {
        let total = specs.reduce(0) { $0 + $1.columns.count }
        let lanes = max(1, min(count, specs.count))
        var groups: [(specs: [IndicatorSpec], firstColumn: Int)] = []
        var current: [IndicatorSpec] = []
        var first = 0, column = 0
        for (i, spec) in specs.enumerated() {
            current.append(spec)
            column += spec.columns.count
            let left = specs.count - i - 1
            let wanted = lanes - groups.count - 1  // groups still to start after this one
            if wanted > 0, left >= wanted, column * lanes >= total * (groups.count + 1) || left == wanted {
                groups.append((current, first))
                current = []
                first = column
            }
        }
        if !current.isEmpty { groups.append((current, first)) }
        return groups
    }

    /// Writes a group's columns of every row into the shared values (each group its own
    /// columns: no two threads write the same element).
    final class LaneWriter: @unchecked Sendable {
        let base: UnsafeMutablePointer<Double>?
        let width: Int
        let rows: Int

        init(base: UnsafeMutablePointer<Double>?, width: Int, rows: Int) {
            self.base = base
            self.width = width
            self.rows = rows
        }

        func fill(_ candles: CandleColumns, specs: [IndicatorSpec], firstColumn: Int) {
            guard let base else { return }
            var set = IndicatorSet(specs)
            let n = set.columns.count
            var row = [Double](repeating: .nan, count: n)
            var r = 0
            for i in 0..<candles.count {
                guard set.push(candles[i], into: &row) else { continue }
                guard r < rows else { return }
                let at = base + r * width + firstColumn
                for k in 0..<n { (at + k).initialize(to: row[k]) }
                r += 1
            }
            // Not reached (every group takes the counted rows); keeps every element initialized.
            while r < rows {
                for k in 0..<n { (base + r * width + firstColumn + k).initialize(to: .nan) }
                r += 1
            }
        }
    }
}
