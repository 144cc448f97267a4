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

    /// `timestamp,<columns>` then one line per row: numbers in shortest round-trip form (whole
    /// numbers below 10^15 without a fraction), nothing before the lookback.
    package func csv() -> [UInt8] {
        var out: [UInt8] = Array(("timestamp," + columns.joined(separator: ",") + "\n").utf8)
        out.reserveCapacity(out.count + rowCount * (12 + 20 * columns.count))
        var numbers = DecimalWriter()
        let width = columns.count
        let rowMax = (width + 1) * (DecimalWriter.maxLength + 1)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: rowMax)
        defer { buffer.deallocate() }
        values.withUnsafeBufferPointer { v in
            for r in 0..<rowCount {
                var p = buffer
                Self.csvNumber(timestamps[r], &numbers, at: &p)
                for k in 0..<width {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                    Self.csvNumber(v[r * width + k], &numbers, at: &p)
                }
                p.pointee = 0x0A
                p += 1
                out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: p - buffer))
            }
        }
        return out
    }

    /// `{"timestamp":T,"<column>":value|null,…}` per row.
    package func jsonl() -> [UInt8] {
        var keys: [[UInt8]] = []
        for name in columns {
            var w = JSONWriter()
            w.comma()
            w.string(name)
            w.raw(":")
            keys.append(w.bytes)
        }
        var w = JSONWriter(capacity: rowCount * (24 + 24 * columns.count))
        let width = columns.count
        for r in 0..<rowCount {
            w.raw("{\"timestamp\":")
            w.number(timestamps[r])
            for k in 0..<width {
                w.raw(keys[k])
                w.number(values[r * width + k])
            }
            w.raw("}")
            w.newline()
        }
        return w.bytes
    }

    /// ``formatNumber(_:)`` at `p`: nothing for NaN and infinities, whole numbers below 10^15 as
    /// integers, others as their shortest round-trip `description` (``DecimalWriter``).
    @inline(__always)
    static func csvNumber(_ v: Double, _ numbers: inout DecimalWriter, at p: inout UnsafeMutablePointer<UInt8>) {
        guard v.isFinite else { return }
        if v == v.rounded(.towardZero) && abs(v) < 1e15 {
            DecimalWriter.writeScaled(Int64(v), 0, at: &p)
        } else {
            numbers.write(v, at: &p)
        }
    }
}
