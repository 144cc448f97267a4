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

/// Encoder state for a tick chunk: two columns, time then price.
@usableFromInline
struct TickEncoder {
    @usableFromInline var time = ScaledColumn()
    @usableFromInline var price = ScaledColumn()

    @inlinable init() {}

    /// Appends one record (at most 42 bytes).
    @inlinable mutating func encode(time t: Double, price p: Double, into out: ByteBuffer) {
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

/// Decodes the records that follow a chunk header.
@usableFromInline
enum RecordDecoder {
    /// Decodes tick records; returns whether the bytes ended inside a record.
    @usableFromInline
    static func ticks(_ bytes: UnsafeRawBufferPointer, from offset: Int,
                      _ body: (TickRecord) -> Void) throws(RecordError) -> Bool {
        guard bytes.count > offset else { return false }
        var cursor = ByteCursor(bytes, offset: offset)
        var time = ScaledColumn(), price = ScaledColumn()
        while !cursor.atEnd {
            guard let t = try time.decode(&cursor), let p = try price.decode(&cursor) else { return true }
            body(TickRecord(time: t, price: p))
        }
        return false
    }

    /// Decodes candle records; returns whether the bytes ended inside a record.
    @usableFromInline
    static func candles(_ bytes: UnsafeRawBufferPointer, from offset: Int,
                        _ body: (CandleRecord) -> Void) throws(RecordError) -> Bool {
        guard bytes.count > offset else { return false }
        var cursor = ByteCursor(bytes, offset: offset)
        var start: Int64 = 0
        var open = ScaledColumn(), high = ScaledColumn(), low = ScaledColumn(), close = ScaledColumn()
        while !cursor.atEnd {
            guard let ds = try cursor.varint(),
                  let o = try open.decode(&cursor), let h = try high.decode(&cursor),
                  let l = try low.decode(&cursor), let c = try close.decode(&cursor),
                  let n = try cursor.varint() else { return true }
            start = start &+ unzigzag(ds)
            body(CandleRecord(start: start, open: o, high: h, low: l, close: c, ticks: Int(unzigzag(n))))
        }
        return false
    }
}
