import Archive
import TextWriters

/// Rows of COPY's text format written into a reused ``ByteBuffer`` through a local pointer (no
/// String per row): `pair \t price \t timestamp-ms \n` for `historical_ticks`, and the candle
/// columns for the load table.
struct CopyRows {
    let out = ByteBuffer(capacity: 1 << 21)
    private var prices = DecimalWriter()

    /// Longest tick row for a pair field of `pairBytes` bytes.
    static func tickRowMax(pairBytes: Int) -> Int { pairBytes + DecimalWriter.maxLength + 24 + 3 }

    /// Appends one tick row (`pair` already escaped with ``CopyText/field(_:)``).
    @inline(__always)
    mutating func tick(pair: UnsafeBufferPointer<UInt8>, price: Double, milliseconds: Int64) {
        out.reserve(Self.tickRowMax(pairBytes: pair.count))
        var p = out.base + out.count
        p.update(from: pair.baseAddress!, count: pair.count)
        p += pair.count
        p.pointee = 0x09
        p += 1
        prices.write(price, at: &p)
        p.pointee = 0x09
        p += 1
        DecimalWriter.writeScaled(milliseconds, 0, at: &p)
        p.pointee = 0x0A
        p += 1
        out.count = p - out.base
    }

    /// Appends one candle row: pair, timeframe seconds, start ms, open, high, low, close, volume.
    mutating func candle(
        pair: [UInt8], timeframe: Int, milliseconds: Int64, open: Double, high: Double, low: Double, close: Double,
        volume: Double
    ) {
        out.reserve(pair.count + 6 * DecimalWriter.maxLength + 48)
        var p = out.base + out.count
        pair.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
        p += pair.count
        for (i, v) in [Double(timeframe), Double(milliseconds), open, high, low, close, volume].enumerated() {
            p.pointee = 0x09
            p += 1
            if i < 2 { DecimalWriter.writeScaled(Int64(v), 0, at: &p) } else { prices.write(v, at: &p) }
        }
        p.pointee = 0x0A
        p += 1
        out.count = p - out.base
    }
}
