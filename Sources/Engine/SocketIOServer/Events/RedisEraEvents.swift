import Candles
import Dispatch
import FastDecode
import TextWriters
import ThreadSupport

/// The original GUI's Redis-era events (docs/server-protocol.md, "The original's Redis-era
/// events"), served by every qflux server from its own candles, whether or not a Redis sits
/// behind it (network thread, owned by ``ServerCore``): `subscribe_redis_updates` /
/// `unsubscribe_redis_updates` and the `redis_update` per 1-minute candle update of a
/// subscribed asset, `get_redis_status`, and the `…cached_historical_data` events over a
/// bounded per-server ``HistoricalDataCache``. Their errors are `error {message}`, as the
/// original's.
///
/// `redis_update`s go through the clients' ordinary outbound queues and budgets (coalesced per
/// candle like `candle_update`, in their own key space), so a frozen client wedges nothing; when
/// nobody subscribed, routing costs one `isEmpty` check per batch.
final class RedisEraEvents {
    /// The events this part answers.
    static let events: Set<String> = [
        "subscribe_redis_updates", "unsubscribe_redis_updates", "get_redis_status",
        "get_cached_historical_data", "cache_historical_data", "clear_cached_historical_data",
    ]
    /// Assets one client may follow with `redis_update` at once.
    static let maxSubscriptionsPerClient = 64
    /// Longest asset or timeframe spelling accepted.
    static let maxNameLength = 64
    /// `get_cached_historical_data` misses read on the worker queue at once: per client, and in all.
    static let maxPendingGetsPerClient = 1
    static let maxPendingGets = 8

    let config: StreamServerConfig
    let sessions: ServerSessions
    let directory: AssetDirectory
    let dataSource: any StreamServerDataSource
    let inbox: ServerInbox
    let worker: DispatchQueue
    /// The coordinator, which owns this part and outlives it.
    unowned(unsafe) let host: any EventHost

    /// `redis_update` subscribers per asset.
    private(set) var byAsset: [UInt32: [ClientSession]] = [:]
    /// Subscriptions to names the engine has not seen yet: loose key → clients.
    private var pending: [String: [ClientSession]] = [:]
    /// The directory's size at the last look for pending names.
    private var pendingCheckedCount = -1
    /// Each client's subscriptions (loose keys).
    private var byClient: [UInt64: Set<String>] = [:]
    /// The `cache_historical_data` store.
    var cache = HistoricalDataCache()
    /// Events of this part handled (`get_redis_status`: `total_commands_processed`).
    private(set) var handled = 0
    /// Cache misses being read on the worker queue, per client (released there).
    private let pendingGets = Locked<[UInt64: Int]>([:])

    init(
        host: any EventHost, config: StreamServerConfig, sessions: ServerSessions, directory: AssetDirectory,
        dataSource: any StreamServerDataSource, inbox: ServerInbox, worker: DispatchQueue
    ) {
        self.host = host
        self.config = config
        self.sessions = sessions
        self.directory = directory
        self.dataSource = dataSource
        self.inbox = inbox
        self.worker = worker
    }

    /// No client follows any asset: routing has nothing to do.
    var isEmpty: Bool { byAsset.isEmpty && pending.isEmpty }

    /// Clients following at least one asset.
    var subscriberCount: Int { byClient.count }

    // MARK: events

    /// Answers one of ``events``; false when `name` is not one of them.
    func handle(_ s: ClientSession, name: String, data: JSONValue?, ack: Int?) -> Bool {
        guard Self.events.contains(name) else { return false }
        handled += 1
        switch name {
        case "subscribe_redis_updates": subscribe(s, data, ack)
        case "unsubscribe_redis_updates": unsubscribe(s, data, ack)
        case "get_redis_status": host.emit(s, "redis_status", status(), ack: ack)
        case "cache_historical_data": store(s, data, ack)
        case "get_cached_historical_data": get(s, data, ack)
        default: clear(s, data, ack)
        }
        return true
    }

    private func fail(_ s: ClientSession, _ message: String, _ ack: Int?) {
        var w = JSONWriter(capacity: 32 + message.utf8.count)
        w.raw("{\"message\":"); w.string(message); w.raw("}")
        host.emit(s, "error", w.bytes, ack: ack)
    }

    /// The `asset` member (or the payload itself when it is a string), if it is a usable name.
    private func assetName(_ data: JSONValue?) -> String? {
        let value = data?.stringValue ?? data?["asset"]?.stringValue
        guard let value, !value.allSatisfy(\.isWhitespace), value.utf8.count <= Self.maxNameLength else { return nil }
        return value
    }

    /// The `timeframe` member, `1M` when absent; nil when it is not a short string.
    private func timeframe(_ data: JSONValue?) -> String? {
        switch data?["timeframe"] {
        case nil, .null?: return "1M"
        case .string(let t)? where !t.isEmpty && t.utf8.count <= 16: return t
        default: return nil
        }
    }

    private func assetReply(_ asset: String) -> [UInt8] {
        var w = JSONWriter(capacity: 24 + asset.utf8.count)
        w.raw("{\"asset\":"); w.string(asset); w.raw("}")
        return w.bytes
    }

    private func subscribe(_ s: ClientSession, _ data: JSONValue?, _ ack: Int?) {
        guard let asset = assetName(data) else {
            return fail(s, "subscribe_redis_updates needs {\"asset\": name}", ack)
        }
        let key = AssetDirectory.looseKey(asset)
        // clients that left without a batch to notice it: forgotten before anything is added
        if byClient[s.id] == nil, byClient.count >= sessions.count { forgetDeparted() }
        var mine = byClient[s.id] ?? []
        if !mine.contains(key) {
            guard mine.count < Self.maxSubscriptionsPerClient else {
                return fail(
                    s, "too many redis_update subscriptions (at most \(Self.maxSubscriptionsPerClient) per client)", ack
                )
            }
            mine.insert(key)
            byClient[s.id] = mine
            if let id = directory.lookup(asset) {
                byAsset[id.rawValue, default: []].append(s)
            } else {
                pending[key, default: []].append(s)
            }
        }
        host.emit(s, "redis_subscribed", assetReply(asset), ack: ack)
    }

    private func unsubscribe(_ s: ClientSession, _ data: JSONValue?, _ ack: Int?) {
        guard let asset = assetName(data) else {
            return fail(s, "unsubscribe_redis_updates needs {\"asset\": name}", ack)
        }
        let key = AssetDirectory.looseKey(asset)
        if byClient[s.id]?.remove(key) != nil {
            if byClient[s.id]?.isEmpty == true { byClient[s.id] = nil }
            if let id = directory.lookup(asset) { drop(s.id, fromAsset: id.rawValue) }
            pending[key]?.removeAll { $0.id == s.id }
            if pending[key]?.isEmpty == true { pending[key] = nil }
        }
        host.emit(s, "redis_unsubscribed", assetReply(asset), ack: ack)
    }

    private func drop(_ client: UInt64, fromAsset asset: UInt32) {
        byAsset[asset]?.removeAll { $0.id == client }
        if byAsset[asset]?.isEmpty == true { byAsset[asset] = nil }
    }

    // MARK: redis_update

    /// After ``ServerCore``'s routing of a batch (indices of the newest update of each candle in
    /// `order`, ``FocusRouter/order``): one `redis_update` per 1-minute update of a followed
    /// asset to each of its live subscribers (`send`: the ordinary outbound path). Departed
    /// clients are forgotten here.
    func route(_ candles: [Candle], order: [Int], send: (ClientSession, [UInt8], CandleKey) -> Void) {
        if !pending.isEmpty, directory.count != pendingCheckedCount { resolvePending() }
        guard !byAsset.isEmpty else { return }
        var departed = false
        for i in order where i >= 0 {
            let c = candles[i]
            guard c.timeframe == .oneMinute, let subscribers = byAsset[c.asset.rawValue] else { continue }
            var w = JSONWriter(capacity: 240)
            w.raw("42[\"redis_update\",{\"data\":")
            ServerPayloads.candle(c, asset: directory.name(of: c.asset), into: &w)
            w.raw("}]")
            let frame = w.bytes
            // its own key space: replaces only a queued redis_update of the same candle
            let key = CandleKey(
                asset: c.asset.rawValue, seconds: Int32.min + Int32(c.timeframe.seconds), start: c.start)
            for s in subscribers {
                if s.killed || !s.socketConnected || sessions[s.id] !== s {
                    departed = true
                } else {
                    send(s, frame, key)
                }
            }
        }
        if departed { forgetDeparted() }
    }

    /// Pending names the directory knows now move to ``byAsset``.
    private func resolvePending() {
        pendingCheckedCount = directory.count
        for (key, clients) in pending {
            guard let id = directory.lookup(key) else { continue }
            byAsset[id.rawValue, default: []].append(contentsOf: clients)
            pending[key] = nil
        }
    }

    /// Forgets clients that left (their sessions are gone or closing).
    func forgetDeparted() {
        func gone(_ s: ClientSession) -> Bool { s.killed || !s.socketConnected || sessions[s.id] !== s }
        for (asset, clients) in byAsset {
            let kept = clients.filter { !gone($0) }
            byAsset[asset] = kept.isEmpty ? nil : kept
        }
        for (key, clients) in pending {
            let kept = clients.filter { !gone($0) }
            pending[key] = kept.isEmpty ? nil : kept
        }
        byClient = byClient.filter { id, _ in sessions[id].map { !gone($0) } ?? false }
    }

    // MARK: get_redis_status

    /// `redis_status {connected, redis_info, batch_status, qflux, timestamp}`.
    private func status() -> [UInt8] {
        let link = dataSource.redisLink()
        let source = host.status
        let readsRedis = source.kind == .redis
        let connected = link?.connected ?? (readsRedis && source.connected)
        let clients = sessions.all.reduce(0) { $0 + ($1.socketConnected ? 1 : 0) }
        var w = JSONWriter(capacity: 512)
        w.raw("{\"connected\":"); w.raw(connected ? "true" : "false")
        // the original's INFO fields; a qflux server reports its own figures (its cache, its clients)
        w.raw(",\"redis_info\":{\"version\":null,\"used_memory\":"); w.integer(cache.bytes)
        w.raw(",\"connected_clients\":"); w.integer(clients)
        w.raw(",\"total_commands_processed\":"); w.integer(handled)
        w.raw(",\"keyspace_hits\":"); w.integer(cache.hits)
        w.raw(",\"keyspace_misses\":"); w.integer(cache.misses)
        w.raw("},\"batch_status\":{\"running\":"); w.raw(link != nil ? "true" : "false")
        w.raw(",\"mode\":"); w.string(link != nil ? "redis_streams" : "none")
        w.raw("},\"qflux\":{\"role\":")
        w.string(link != nil ? "publisher" : (readsRedis ? "reader" : "none"))
        w.raw(",\"source\":"); w.string(source.kind.rawValue)
        w.raw(",\"source_connected\":"); w.raw(source.connected ? "true" : "false")
        if let link {
            w.raw(",\"redis_address\":"); w.string(link.address)
            w.raw(",\"publish_backlog\":"); w.integer(link.backlog)
        }
        w.raw(",\"redis_update_clients\":"); w.integer(subscriberCount)
        w.raw(",\"cache_entries\":"); w.integer(cache.count)
        w.raw(",\"cache_bytes\":"); w.integer(cache.bytes)
        w.raw(",\"cache_max_entries\":"); w.integer(cache.maxEntries)
        w.raw(",\"cache_max_bytes\":"); w.integer(cache.maxBytes)
        w.raw("},\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }

    // MARK: the historical data cache

    private func assetAndTimeframe(_ data: JSONValue?) -> (String, String)? {
        guard let asset = assetName(data), let tf = timeframe(data) else { return nil }
        return (asset, tf)
    }

    private static func stamped(_ asset: String, _ timeframe: String, _ rest: (inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(timeframe)
        rest(&w)
        w.raw("}")
        return w.bytes
    }

    /// `cache_historical_data {asset, timeframe, data: [...]}` → `historical_data_cached {asset, timeframe, count}`.
    private func store(_ s: ClientSession, _ data: JSONValue?, _ ack: Int?) {
        guard let (asset, tf) = assetAndTimeframe(data) else {
            return fail(s, "cache_historical_data needs {\"asset\": name, \"timeframe\": \"1M\", \"data\": [...]}", ack)
        }
        guard case .array(let items)? = data?["data"] else {
            return fail(s, "cache_historical_data: data must be a list", ack)
        }
        var w = JSONWriter(capacity: 64)
        w.value(.array(items))
        guard cache.store(asset: asset, timeframe: tf, json: w.bytes, count: items.count, now: monotonicNanos()) else {
            return fail(s, "cache_historical_data: data over \(cache.maxBytes) bytes", ack)
        }
        host.emit(
            s, "historical_data_cached",
            Self.stamped(asset, tf) { w in
                w.raw(",\"count\":"); w.integer(items.count)
            }, ack: ack)
    }

    /// `get_cached_historical_data {asset, timeframe}` → `cached_historical_data {asset,
    /// timeframe, data, source}`: the cached data (`redis_cache`), else the asset's history as
    /// `historical_candles_loaded` has it (worker queue; `source` says where it came from),
    /// else `data: null, source: "cache_miss"`.
    private func get(_ s: ClientSession, _ data: JSONValue?, _ ack: Int?) {
        guard let (asset, tf) = assetAndTimeframe(data) else {
            return fail(s, "get_cached_historical_data needs {\"asset\": name, \"timeframe\": \"1M\"}", ack)
        }
        if let e = cache.get(asset: asset, timeframe: tf, now: monotonicNanos()) {
            host.emit(
                s, "cached_historical_data",
                Self.stamped(asset, tf) { w in
                    w.raw(",\"data\":"); w.raw(e.json)
                    w.raw(",\"source\":\"redis_cache\"")
                }, ack: ack)
            return
        }
        let miss = Self.stamped(asset, tf) { $0.raw(",\"data\":null,\"source\":\"cache_miss\"") }
        guard let id = directory.lookup(asset), let timeframe = Timeframe(parsing: tf) else {
            host.emit(s, "cached_historical_data", miss, ack: ack)
            return
        }
        let client = s.id, ds = dataSource, inbox = inbox, name = directory.name(of: id), pending = pendingGets
        let admitted = pending.withLock { map -> Bool in
            guard map[client, default: 0] < Self.maxPendingGetsPerClient,
                map.values.reduce(0, +) < Self.maxPendingGets
            else { return false }
            map[client, default: 0] += 1
            return true
        }
        guard admitted else {
            return fail(
                s, "get_cached_historical_data: busy, your previous request (or too many) still being read", ack)
        }
        worker.async {
            defer {
                pending.withLock { map in
                    map[client, default: 1] -= 1
                    if map[client] == 0 { map[client] = nil }
                }
            }
            let h = ds.recentCandles(asset: id, timeframe: timeframe)
            let payload: [UInt8]
            if h.candles.isEmpty {
                payload = miss
            } else {
                payload = Self.stamped(asset, tf) { w in
                    w.raw(",\"data\":[")
                    for (i, c) in h.candles.enumerated() {
                        if i > 0 { w.comma() }
                        ServerPayloads.candle(c, asset: name, into: &w)
                    }
                    w.raw("],\"source\":"); w.string(h.source)
                }
            }
            var frames = [SocketIOEncoder.event("cached_historical_data", payload: payload)]
            if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            inbox.post(.deliver(client: client, frames: frames))
        }
    }

    /// `clear_cached_historical_data {asset, timeframe}` → `historical_data_cache_cleared {asset, timeframe}`.
    private func clear(_ s: ClientSession, _ data: JSONValue?, _ ack: Int?) {
        guard let (asset, tf) = assetAndTimeframe(data) else {
            return fail(s, "clear_cached_historical_data needs {\"asset\": name, \"timeframe\": \"1M\"}", ack)
        }
        cache.clear(asset: asset, timeframe: tf)
        host.emit(s, "historical_data_cache_cleared", Self.stamped(asset, tf) { _ in }, ack: ack)
    }
}
