import FastDecode

/// The server's `cache_historical_data` store (network thread, owned by ``RedisEraEvents``): the
/// original kept such data in Redis under `historical:{asset}:{timeframe}` for an hour; qflux
/// keeps it in memory, per server, bounded three ways – entries, bytes, age. Past a bound the
/// oldest entries go first; an entry older than ``ttlSeconds`` is gone. Data is kept as the
/// JSON text it will be sent as, never as parsed values.
struct HistoricalDataCache {
    /// One cached series.
    struct Entry {
        /// The asset as the client spelled it (echoed in replies).
        var asset: String
        var timeframe: String
        /// The `data` array as JSON text.
        var json: [UInt8]
        /// Elements of `data`.
        var count: Int
        /// When it was stored (monotonic ns).
        var storedAt: UInt64
    }

    /// Most entries kept.
    let maxEntries: Int
    /// Most bytes of JSON kept, all entries together.
    let maxBytes: Int
    /// Seconds an entry lives (the original's Redis TTL: one hour).
    let ttlSeconds: Double

    private var entries: [String: Entry] = [:]
    /// Keys, oldest store first (a key stored again moves to the end).
    private var order: [String] = []
    /// JSON bytes held.
    private(set) var bytes = 0
    /// Gets answered from the cache, and not.
    private(set) var hits = 0
    private(set) var misses = 0

    init(maxEntries: Int = 64, maxBytes: Int = 32 << 20, ttlSeconds: Double = 3600) {
        self.maxEntries = max(1, maxEntries)
        self.maxBytes = max(1, maxBytes)
        self.ttlSeconds = ttlSeconds
    }

    /// Entries held.
    var count: Int { entries.count }

    /// The key of an asset spelling (case and punctuation ignored, like asset lookups) and a
    /// timeframe (case ignored: the original's `1M` is one minute).
    static func key(asset: String, timeframe: String) -> String {
        AssetDirectory.looseKey(asset) + "\u{0}" + timeframe.lowercased()
    }

    /// Stores (or replaces) an entry; false when it alone is larger than ``maxBytes``.
    mutating func store(asset: String, timeframe: String, json: [UInt8], count: Int, now: UInt64) -> Bool {
        guard json.count <= maxBytes else { return false }
        let key = Self.key(asset: asset, timeframe: timeframe)
        remove(key)
        entries[key] = Entry(asset: asset, timeframe: timeframe, json: json, count: count, storedAt: now)
        order.append(key)
        bytes += json.count
        while entries.count > maxEntries || bytes > maxBytes, let oldest = order.first {
            remove(oldest)
        }
        return true
    }

    /// The live entry for an asset and timeframe (counted as a hit or a miss).
    mutating func get(asset: String, timeframe: String, now: UInt64) -> Entry? {
        expire(now: now)
        if let e = entries[Self.key(asset: asset, timeframe: timeframe)] {
            hits += 1
            return e
        }
        misses += 1
        return nil
    }

    /// Forgets an entry; whether there was one.
    @discardableResult
    mutating func clear(asset: String, timeframe: String) -> Bool {
        remove(Self.key(asset: asset, timeframe: timeframe))
    }

    /// Drops entries older than ``ttlSeconds``.
    mutating func expire(now: UInt64) {
        let ttl = UInt64(max(0, ttlSeconds) * 1e9)
        while let oldest = order.first, let e = entries[oldest], now &- e.storedAt >= ttl {
            remove(oldest)
        }
    }

    @discardableResult
    private mutating func remove(_ key: String) -> Bool {
        guard let e = entries.removeValue(forKey: key) else { return false }
        bytes -= e.json.count
        if let i = order.firstIndex(of: key) { order.remove(at: i) }
        return true
    }
}
