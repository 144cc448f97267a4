import TextWriters

/// Indicator values for a whole candle series in one flat array, written out as CSV or JSON lines
/// bytes: what `qflux indicators` prints, without a value array or a String per row.
///
/// The same rows and text as ``IndicatorTable`` (`compute`, `csv()`) and the command's JSON lines
/// gave: candles not newer than their predecessor are skipped; a value before its indicator's
/// lookback is NaN here, an empty cell in CSV and `null` in JSON.
package struct IndicatorGrid: Sendable {
    /// Column names after `timestamp`.
    package var columns: [String]
    /// Candle timestamps, one per row.
    package var timestamps: [Double] = []
    /// `values[row * columns.count + column]`; NaN before an indicator's lookback.
    package var values: [Double] = []

    /// Number of rows.
    package var rowCount: Int { timestamps.count }

    /// Computes every indicator of `specs` over `candles` (in time order).
    package static func compute(_ candles: CandleColumns, specs: [IndicatorSpec]) -> IndicatorGrid {
        var set = IndicatorSet(specs)
        var grid = IndicatorGrid(columns: set.columns)
        grid.timestamps.reserveCapacity(candles.count)
        grid.values.reserveCapacity(candles.count * set.columns.count)
        var row = [Double](repeating: .nan, count: set.columns.count)
        for i in 0..<candles.count {
            let c = candles[i]
            guard set.push(c, into: &row) else { continue }
            grid.timestamps.append(c.timestamp)
            grid.values.append(contentsOf: row)
        }
        return grid
    }

    /// Output text formats.
    package enum Format: Sendable {
        /// `timestamp,<columns>` then one line per row: numbers in shortest round-trip form
        /// (whole numbers below 10^15 without a fraction), nothing before the lookback.
        case csv
        /// `{"timestamp":T,"<column>":value|null,…}` per row.
        case jsonl
    }

    /// The grid as CSV text.
    package func csv() -> [UInt8] { text(.csv) }

    /// The grid as JSON lines.
    package func jsonl() -> [UInt8] { text(.jsonl) }

    /// The grid as text in `format`.
    package func text(_ format: Format) -> [UInt8] {
        var out: [UInt8] = []
        Self.write(columns: columns, rows: rowCount, format: format, to: { out.append(contentsOf: $0) }) { r in
            (timestamps[r], values[r * columns.count..<(r + 1) * columns.count])
        }
        return out
    }

    /// Computes `specs` over `candles` and writes the rows on every core, block by block with
    /// no whole grid (``write(_:specs:format:rowsPerBlock:threads:to:)``, blocks of
    /// ``streamRowsPerBlock``): the text of ``compute(_:specs:)`` then ``text(_:)``. What
    /// `qflux indicators` prints.
    package static func write(
        _ candles: CandleColumns, specs: [IndicatorSpec], format: Format,
        to sink: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        try write(
            candles, specs: specs, format: format, rowsPerBlock: streamRowsPerBlock, threads: writerThreads,
            to: sink)
    }

    /// The one-thread writer of ``text(_:)``: `next(r)` gives row `r`'s timestamp and values, nil after the last
    /// row (or `rows` rows).
    private static func write(
        columns: [String], rows: Int, format: Format, to sink: (UnsafeRawBufferPointer) throws -> Void,
        next: (Int) -> (Double, ArraySlice<Double>)?
    ) rethrows {
        let layout = RowLayout(columns: columns, format: format)
        let keys = layout.keys, head = layout.head, rowMax = layout.rowMax
        let capacity = max(1 << 20, rowMax + head.count) + rowMax
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var p = buffer
        head.withUnsafeBufferPointer { h in
            if h.count > 0 { p.update(from: h.baseAddress!, count: h.count) }
            p += h.count
        }
        var numbers = DecimalWriter()
        var r = 0
        while r < rows, let (t, v) = next(r) {
            r += 1
            switch format {
            case .csv:
                csvNumber(t, &numbers, at: &p)
                for x in v {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                    csvNumber(x, &numbers, at: &p)
                }
            case .jsonl:
                RowLayout.prefix.withUnsafeBufferPointer { b in
                    p.update(from: b.baseAddress!, count: b.count)
                    p += b.count
                }
                jsonNumber(t, &numbers, at: &p)
                for (k, x) in v.enumerated() {
                    keys[k].withUnsafeBufferPointer { b in
                        p.update(from: b.baseAddress!, count: b.count)
                        p += b.count
                    }
                    jsonNumber(x, &numbers, at: &p)
                }
                p.pointee = UInt8(ascii: "}")
                p += 1
            }
            p.pointee = 0x0A
            p += 1
            if p - buffer >= capacity - rowMax {
                try sink(UnsafeRawBufferPointer(start: buffer, count: p - buffer))
                p = buffer
            }
        }
        if p > buffer { try sink(UnsafeRawBufferPointer(start: buffer, count: p - buffer)) }
    }

    /// ``JSONWriter/number(_:)`` at `p`: `null` for NaN and infinities.
    @inline(__always)
    static func jsonNumber(_ v: Double, _ numbers: inout DecimalWriter, at p: inout UnsafeMutablePointer<UInt8>) {
        guard v.isFinite else {
            for b in "null".utf8 {
                p.pointee = b
                p += 1
            }
            return
        }
        csvNumber(v, &numbers, at: &p)
    }

    /// ``formatNumber(_:)`` at `p`: nothing for NaN and infinities, whole numbers below 10^15 as
    /// integers, others as their shortest round-trip `description` (``DecimalWriter``'s text,
    /// straight from its formatter: ``DecimalWriter/writeFraction(_:at:)``; `numbers` is kept
    /// for the callers' loops).
    @inline(__always)
    static func csvNumber(_ v: Double, _ numbers: inout DecimalWriter, at p: inout UnsafeMutablePointer<UInt8>) {
        guard v.isFinite else { return }
        // Whole below 10^15: the truncated integer converts back exactly (no libm `trunc` call).
        if abs(v) < 1e15, Double(Int64(v)) == v {
            DecimalWriter.writeScaled(Int64(v), 0, at: &p)
        } else {
            DecimalWriter.writeFraction(v, at: &p)
        }
    }
}
