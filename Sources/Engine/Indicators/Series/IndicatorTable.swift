/// Indicator values for a whole candle series: what `qflux indicators INPUT --indicators SPEC` prints.
package struct IndicatorTable: Sendable {
    /// Column names after `timestamp`.
    package var columns: [String]
    /// Candle timestamps, one per row.
    package var timestamps: [Double]
    /// `values[row][column]`; nil before an indicator's lookback.
    package var values: [[Double?]]
    /// Candles the indicators took (rows before the kept ones included).
    package var candleCount = 0

    /// Computes every indicator of `specs` over `candles` (in time order; candles not newer than
    /// their predecessor are skipped, as a streaming consumer would).
    package static func compute(_ candles: [AnalysisCandle], specs: [IndicatorSpec]) -> IndicatorTable {
        compute(candles, specs: specs, keepingLast: .max)
    }

    /// Computes every indicator of `specs` over `candles`, keeping only the last `keep` rows
    /// (the indicators still see every candle): memory for `keep` rows, not for the series.
    package static func compute(_ candles: [AnalysisCandle], specs: [IndicatorSpec], keepingLast keep: Int)
        -> IndicatorTable
    {
        var taken = 0
        var last: Double?
        for c in candles {
            if let l = last, c.timestamp <= l { continue }
            taken += 1
            last = c.timestamp
        }
        let skip = max(0, taken - max(keep, 0))
        var set = IndicatorSet(specs)
        var row: [Double] = []
        var table = IndicatorTable(columns: set.columns, timestamps: [], values: [])
        table.candleCount = taken
        table.timestamps.reserveCapacity(taken - skip)
        table.values.reserveCapacity(taken - skip)
        var ordinal = 0
        for c in candles where set.push(c, into: &row) {
            defer { ordinal += 1 }
            guard ordinal >= skip else { continue }
            table.timestamps.append(c.timestamp)
            table.values.append(row.map { $0.isNaN ? nil : $0 })
        }
        return table
    }

    /// Parses `spec` and computes the table.
    package static func compute(_ candles: [AnalysisCandle], spec: String) throws(IndicatorSpecError) -> IndicatorTable
    {
        compute(candles, specs: try IndicatorSpecParser.parse(spec))
    }

    /// The table as CSV: `timestamp,<columns>`, empty cells before the lookback, numbers in
    /// shortest round-trip form.
    package func csv() -> String {
        var out = "timestamp," + columns.joined(separator: ",") + "\n"
        for (i, t) in timestamps.enumerated() {
            out += formatNumber(t)
            for v in values[i] {
                out += ","
                if let v { out += formatNumber(v) }
            }
            out += "\n"
        }
        return out
    }
}

/// A number in shortest round-trip form, whole numbers without exponent where short (`1756866774`,
/// `0.85443`, `1e-05`).
package func formatNumber(_ v: Double) -> String {
    if v.isNaN || v.isInfinite { return "" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}
