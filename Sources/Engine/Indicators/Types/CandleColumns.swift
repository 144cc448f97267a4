/// Candles column by column (a struct of arrays): what the byte readers fill and what the
/// analysis commands compute from, one contiguous `[Double]` per field.
///
/// Row `i` is `AnalysisCandle(timestamp: timestamps[i], open: opens[i], …)`; every column has
/// `count` elements. ``rows`` and ``init(_:)`` convert to and from `[AnalysisCandle]` for the
/// code that takes candles one by one.
package struct CandleColumns: Sendable, Equatable {
    /// Open times in epoch seconds.
    package var timestamps: [Double] = []
    /// Open prices.
    package var opens: [Double] = []
    /// High prices.
    package var highs: [Double] = []
    /// Low prices.
    package var lows: [Double] = []
    /// Close prices.
    package var closes: [Double] = []
    /// Volumes (1000 when the source has none).
    package var volumes: [Double] = []

    /// No candles.
    package init() {}

    /// The columns of `candles`.
    package init(_ candles: [AnalysisCandle]) {
        reserveCapacity(candles.count)
        for c in candles { append(c) }
    }

    /// Number of candles.
    @inlinable package var count: Int { timestamps.count }

    /// Whether there is no candle.
    @inlinable package var isEmpty: Bool { timestamps.isEmpty }

    /// Reserves room for `n` candles in every column.
    package mutating func reserveCapacity(_ n: Int) {
        timestamps.reserveCapacity(n)
        opens.reserveCapacity(n)
        highs.reserveCapacity(n)
        lows.reserveCapacity(n)
        closes.reserveCapacity(n)
        volumes.reserveCapacity(n)
    }

    /// Appends one candle.
    @inlinable
    package mutating func append(_ c: AnalysisCandle) {
        append(timestamp: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume)
    }

    /// Appends one candle's fields.
    @inlinable
    package mutating func append(
        timestamp: Double, open: Double, high: Double, low: Double, close: Double, volume: Double
    ) {
        timestamps.append(timestamp)
        opens.append(open)
        highs.append(high)
        lows.append(low)
        closes.append(close)
        volumes.append(volume)
    }

    /// Candle `i` as one value.
    @inlinable
    package subscript(i: Int) -> AnalysisCandle {
        AnalysisCandle(
            timestamp: timestamps[i], open: opens[i], high: highs[i], low: lows[i], close: closes[i],
            volume: volumes[i])
    }

    /// The candles as one value each, in order (a new array).
    package var rows: [AnalysisCandle] {
        var out: [AnalysisCandle] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(self[i]) }
        return out
    }
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
