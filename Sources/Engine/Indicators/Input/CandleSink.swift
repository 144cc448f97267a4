/// Where the CSV reader puts the candles it reads: growing columns (``CandleColumns``), or fixed
/// room in the final columns (``ColumnSlots``), which another thread can fill from an offset on.
protocol CandleSink {
    /// Candles written so far.
    var count: Int { get }
    /// How many more candles fit (`Int.max` when the sink grows).
    var room: Int { get }
    /// Appends one candle (past ``room``: refused, and the sink says it overflowed).
    mutating func append(timestamp: Double, open: Double, high: Double, low: Double, close: Double, volume: Double)
    /// Appends `n` candles (at most ``room``) given column by column: six runs of `stride` values
    /// at `block`, in the order timestamps, opens, highs, lows, closes, volumes.
    mutating func append(block: UnsafePointer<Double>, stride: Int, count n: Int)
    /// Makes room for `n` more candles where the sink can.
    mutating func reserve(more n: Int)
}

extension CandleSink {
    /// Changes the slots this sink is (a reading with a second half writes into
    /// ``ColumnSlots`` only); nothing for any other sink.
    mutating func share(_ change: (inout ColumnSlots) -> Void) {
        guard var slots = self as? ColumnSlots else { return }
        change(&slots)
        if let changed = slots as? Self { self = changed }
    }
}

extension CandleColumns: CandleSink {
    var room: Int { Int.max }

    mutating func append(block: UnsafePointer<Double>, stride: Int, count n: Int) {
        func column(_ k: Int, _ c: inout [Double]) {
            c.append(contentsOf: UnsafeBufferPointer(start: block + k * stride, count: n))
        }
        column(0, &timestamps)
        column(1, &opens)
        column(2, &highs)
        column(3, &lows)
        column(4, &closes)
        column(5, &volumes)
    }

    mutating func reserve(more n: Int) { reserveCapacity(count + n) }
}

/// Room for `capacity` candles in six column buffers, filled from the start: what the reader's
/// threads write into when the final columns are made up front
/// (``CandleColumns/filling(capacity:_:)``). Copies share the buffers; each writer keeps to its
/// own range (``suffix(from:)``).
package struct ColumnSlots: CandleSink {
    private let timestamps: UnsafeMutablePointer<Double>
    private let opens: UnsafeMutablePointer<Double>
    private let highs: UnsafeMutablePointer<Double>
    private let lows: UnsafeMutablePointer<Double>
    private let closes: UnsafeMutablePointer<Double>
    private let volumes: UnsafeMutablePointer<Double>
    /// Candles the slots hold at most.
    private(set) var capacity: Int
    package private(set) var count = 0
    /// A candle was refused for want of room.
    private(set) var overflowed = false

    init(
        timestamps: UnsafeMutablePointer<Double>, opens: UnsafeMutablePointer<Double>,
        highs: UnsafeMutablePointer<Double>, lows: UnsafeMutablePointer<Double>,
        closes: UnsafeMutablePointer<Double>, volumes: UnsafeMutablePointer<Double>, capacity: Int
    ) {
        self.timestamps = timestamps
        self.opens = opens
        self.highs = highs
        self.lows = lows
        self.closes = closes
        self.volumes = volumes
        self.capacity = capacity
    }

    var room: Int { capacity - count }

    package mutating func append(
        timestamp: Double, open: Double, high: Double, low: Double, close: Double, volume: Double
    ) {
        guard count < capacity else {
            overflowed = true
            return
        }
        timestamps[count] = timestamp
        opens[count] = open
        highs[count] = high
        lows[count] = low
        closes[count] = close
        volumes[count] = volume
        count += 1
    }

    mutating func append(block: UnsafePointer<Double>, stride: Int, count n: Int) {
        let taken = min(n, room)
        if taken < n { overflowed = true }
        (timestamps + count).update(from: block, count: taken)
        (opens + count).update(from: block + stride, count: taken)
        (highs + count).update(from: block + 2 * stride, count: taken)
        (lows + count).update(from: block + 3 * stride, count: taken)
        (closes + count).update(from: block + 4 * stride, count: taken)
        (volumes + count).update(from: block + 5 * stride, count: taken)
        count += taken
    }

    mutating func reserve(more n: Int) {}

    /// The empty slots from `offset` on, for another writer (this one keeps below `offset`:
    /// ``limit(to:)``).
    package func suffix(from offset: Int) -> ColumnSlots {
        ColumnSlots(
            timestamps: timestamps + offset, opens: opens + offset, highs: highs + offset, lows: lows + offset,
            closes: closes + offset, volumes: volumes + offset, capacity: Swift.max(0, capacity - offset))
    }

    /// Takes no candle at or past `limit` (another writer's range starts there).
    mutating func limit(to limit: Int) { capacity = Swift.min(capacity, limit) }

    /// Takes the `n` candles another writer put at `offset` as its own next ones (moved down to
    /// `count` when they are not there already), with room up to `capacity` again.
    mutating func adopt(_ n: Int, from offset: Int, capacity: Int) {
        if offset != count {
            for column in [timestamps, opens, highs, lows, closes, volumes] {
                (column + count).update(from: column + offset, count: n)
            }
        }
        count += n
        self.capacity = capacity
    }
}

extension CandleColumns {
    /// Columns made in place: six buffers of `capacity` candles are handed to `body` as slots;
    /// the candles it reports (`count`, written from the start of every column) become the
    /// columns, with no copy and no growth. Nil when `body` returns nil (its candles are
    /// dropped).
    package static func filling<E: Error>(capacity: Int, _ body: (ColumnSlots) throws(E) -> Int?) throws(E)
        -> CandleColumns?
    {
        let capacity = Swift.max(capacity, 1)
        var outcome: Result<Int?, E> = .success(nil)
        var written = 0
        var opens: [Double] = []
        var highs: [Double] = []
        var lows: [Double] = []
        var closes: [Double] = []
        var volumes: [Double] = []
        let timestamps = [Double](unsafeUninitializedCapacity: capacity) { t, tn in
            opens = [Double](unsafeUninitializedCapacity: capacity) { o, on in
                highs = [Double](unsafeUninitializedCapacity: capacity) { h, hn in
                    lows = [Double](unsafeUninitializedCapacity: capacity) { l, ln in
                        closes = [Double](unsafeUninitializedCapacity: capacity) { c, cn in
                            volumes = [Double](unsafeUninitializedCapacity: capacity) { v, vn in
                                let slots = ColumnSlots(
                                    timestamps: t.baseAddress!, opens: o.baseAddress!, highs: h.baseAddress!,
                                    lows: l.baseAddress!, closes: c.baseAddress!, volumes: v.baseAddress!,
                                    capacity: capacity)
                                outcome = Result { () throws(E) in try body(slots) }
                                if case .success(let n?) = outcome { written = Swift.min(Swift.max(n, 0), capacity) }
                                vn = written
                            }
                            cn = written
                        }
                        ln = written
                    }
                    hn = written
                }
                on = written
            }
            tn = written
        }
        guard try outcome.get() != nil else { return nil }
        var columns = CandleColumns()
        columns.timestamps = timestamps
        columns.opens = opens
        columns.highs = highs
        columns.lows = lows
        columns.closes = closes
        columns.volumes = volumes
        return columns
    }
}
