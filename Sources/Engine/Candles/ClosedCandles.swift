/// The last `limit` closed candles of one asset and timeframe, oldest first, in a circular
/// buffer. Appending a newly closed candle is O(1) and allocates only until the buffer reaches
/// `limit`; inserting an out-of-order candle (late ticks, history) shifts elements and is rare.
@usableFromInline
struct ClosedCandles: Sendable {
    /// Storage; circular once it holds `limit` candles.
    @usableFromInline var buffer: [TrackedCandle] = []
    /// Physical index of the oldest candle (non-zero only once full).
    @usableFromInline var head = 0
    /// Most candles kept.
    @usableFromInline let limit: Int

    @usableFromInline
    init(limit: Int) { self.limit = max(0, limit) }

    @inlinable var count: Int { buffer.count }

    @inlinable
    func physical(_ i: Int) -> Int {
        let x = head &+ i
        return x >= buffer.count ? x &- buffer.count : x
    }

    /// Candle `i`, 0 = oldest.
    @inlinable
    subscript(i: Int) -> TrackedCandle {
        get { buffer[physical(i)] }
        set { buffer[physical(i)] = newValue }
    }

    /// The newest candle's start.
    @inlinable
    var newestStart: Int64? { count == 0 ? nil : self[count - 1].candle.start }

    /// Appends a candle newer than every kept one, dropping the oldest when full.
    @usableFromInline
    mutating func append(_ c: TrackedCandle) {
        if limit == 0 { return }
        if buffer.count < limit {
            buffer.append(c)
        } else {
            buffer[head] = c
            head = head + 1 == limit ? 0 : head + 1
        }
    }

    /// Index of the candle starting at `start`, searching from the newest.
    @usableFromInline
    func index(of start: Int64) -> Int? {
        var i = count - 1
        while i >= 0 {
            let s = self[i].candle.start
            if s == start { return i }
            if s < start { return nil }
            i -= 1
        }
        return nil
    }

    /// Inserts a candle whose start is not kept yet, in start order. When full, the oldest
    /// candle makes room; a candle older than every kept one is then refused (`nil`).
    /// Returns the index it landed at.
    @usableFromInline
    mutating func insert(_ c: TrackedCandle) -> Int? {
        if limit == 0 { return nil }
        // p = number of kept candles older than c.
        var p = count
        while p > 0 && self[p - 1].candle.start > c.candle.start { p -= 1 }
        if buffer.count < limit {
            buffer.append(c)  // head is 0 until full
            var i = buffer.count - 1
            while i > p { buffer[i] = buffer[i - 1]; i -= 1 }
            buffer[p] = c
            return p
        }
        if p == 0 { return nil }
        var i = 0
        while i < p - 1 { self[i] = self[i + 1]; i += 1 }
        self[p - 1] = c
        return p - 1
    }

    /// The kept candles, oldest first.
    @usableFromInline
    var candles: [Candle] {
        var out: [Candle] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(self[i].candle) }
        return out
    }
}
