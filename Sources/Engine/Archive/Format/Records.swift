/// A tick as stored in a chunk (the asset is the chunk's).
@usableFromInline package struct TickRecord: Equatable, Sendable {
    /// Epoch seconds, exactly as appended.
    @usableFromInline package var time: Double
    /// Price, exactly as appended.
    @usableFromInline package var price: Double

    /// Creates a record.
    @inlinable package init(time: Double, price: Double) {
        self.time = time
        self.price = price
    }
}

/// A candle as stored in a chunk (asset and timeframe are the chunk's).
@usableFromInline package struct CandleRecord: Equatable, Sendable {
    /// Start, epoch seconds.
    @usableFromInline package var start: Int64
    @usableFromInline package var open: Double
    @usableFromInline package var high: Double
    @usableFromInline package var low: Double
    @usableFromInline package var close: Double
    /// Ticks merged into the candle.
    @usableFromInline package var ticks: Int

    /// Creates a record.
    @inlinable package init(start: Int64, open: Double, high: Double, low: Double, close: Double, ticks: Int) {
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.ticks = ticks
    }
}

/// Encoder state for a format-2 tick chunk (encoding 2): two bit-packed columns, time then
/// price. The bits of the last partial byte stay in `bits` until it fills (see ``tail``).
package struct TickEncoder {
    @usableFromInline var time = BitColumn()
    @usableFromInline var price = BitColumn()
    @usableFromInline var bits = BitWriter()

    @inlinable package init() {}

    /// Appends one record (at most 26 bytes) to `out`, but for its last partial byte.
    @inlinable package mutating func encode(time t: Double, price p: Double, into out: ByteBuffer) {
        out.reserve(48)
        time.encode(t, into: &bits, out)
        price.encode(p, into: &bits, out)
    }

    /// The last partial byte, zero-padded (nil on a byte boundary): written with every flush
    /// and re-written once it fills, so a flushed chunk always holds every record.
    @inlinable package var tail: UInt8? { bits.tail }

    /// Appends the last partial byte: the end of the chunk's records.
    @inlinable package mutating func finish(into out: ByteBuffer) { bits.finish(into: out) }
}

/// Encoder state for a format-1 tick chunk (encoding 1): two scaled-delta varint columns.
/// Format 1 is no longer written by the archive; kept for tests and the bench's comparison.
package struct TickEncoderV1 {
    @usableFromInline var time = ScaledColumn()
    @usableFromInline var price = ScaledColumn()

    @inlinable package init() {}

    /// Appends one record (at most 42 bytes).
    @inlinable package mutating func encode(time t: Double, price p: Double, into out: ByteBuffer) {
        out.reserve(48)
        time.encode(t, into: out)
        price.encode(p, into: out)
    }
}

/// Encoder state for a candle chunk: start delta, open, high, low, close columns, tick count.
@usableFromInline
struct CandleEncoder {
    @usableFromInline var start: Int64 = 0
    @usableFromInline var open = ScaledColumn()
    @usableFromInline var high = ScaledColumn()
    @usableFromInline var low = ScaledColumn()
    @usableFromInline var close = ScaledColumn()

    @inlinable init() {}

    /// Appends one record (at most 104 bytes).
    @inlinable mutating func encode(_ c: CandleRecord, into out: ByteBuffer) {
        out.reserve(112)
        out.putVarint(zigzag(c.start &- start))
        start = c.start
        open.encode(c.open, into: out)
        high.encode(c.high, into: out)
        low.encode(c.low, into: out)
        close.encode(c.close, into: out)
        out.putVarint(zigzag(Int64(c.ticks)))
    }
}

/// How a chunk's records ended.
package enum RecordEnd: Equatable, Sendable {
    /// At the end of the bytes (format 2: within the zero padding of the last byte).
    case clean
    /// The bytes ended inside a record.
    case cut
    /// More records follow than the header allows (none of them is delivered).
    case overLimit
}

/// Decodes the records that follow a chunk header, at most `limit` of them.
package enum RecordDecoder {
    /// Decodes encoding-2 tick records (format 2). Fewer than 8 zero bits at the end are the
    /// padding of the last byte.
    package static func bitTicks(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int = .max,
        _ body: (TickRecord) -> Void
    ) throws(RecordError) -> RecordEnd {
        guard bytes.count > offset else { return .clean }
        var reader = BitReader(bytes, offset: offset)
        var time = BitColumn(), price = BitColumn()
        var n = 0
        while true {
            if reader.remaining < 8 && reader.window() == 0 { return .clean }
            guard n < limit else { return .overLimit }
            guard let t = try time.decode(&reader), let p = try price.decode(&reader) else { return .cut }
            body(TickRecord(time: t, price: p))
            n += 1
        }
    }

    /// Decodes encoding-1 tick records (format 1).
    package static func ticks(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int = .max,
        _ body: (TickRecord) -> Void
    ) throws(RecordError) -> RecordEnd {
        guard bytes.count > offset else { return .clean }
        var cursor = ByteCursor(bytes, offset: offset)
        var time = ScaledColumn(), price = ScaledColumn()
        var n = 0
        while !cursor.atEnd {
            guard n < limit else { return .overLimit }
            guard let t = try time.decode(&cursor), let p = try price.decode(&cursor) else { return .cut }
            body(TickRecord(time: t, price: p))
            n += 1
        }
        return .clean
    }

    /// Decodes encoding-1 candle records (formats 1 and 2).
    package static func candles(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int = .max,
        _ body: (CandleRecord) -> Void
    ) throws(RecordError) -> RecordEnd {
        guard bytes.count > offset else { return .clean }
        var cursor = ByteCursor(bytes, offset: offset)
        var start: Int64 = 0
        var open = ScaledColumn(), high = ScaledColumn(), low = ScaledColumn(), close = ScaledColumn()
        var n = 0
        while !cursor.atEnd {
            guard n < limit else { return .overLimit }
            guard let ds = try cursor.varint(),
                let o = try open.decode(&cursor), let h = try high.decode(&cursor),
                let l = try low.decode(&cursor), let c = try close.decode(&cursor),
                let t = try cursor.varint()
            else { return .cut }
            start = start &+ unzigzag(ds)
            body(
                CandleRecord(
                    start: start, open: o, high: h, low: l, close: c, ticks: Int(truncatingIfNeeded: unzigzag(t))))
            n += 1
        }
        return .clean
    }
}
