import Candles
import FastDecode

/// Focus and routing (network thread, owned by ``ServerCore``): which clients receive which
/// asset × timeframe – their subscriptions (``routes``) and the server-wide focus
/// (``focus``, its 1-minute key and the clients listening to it) – and the asset names the
/// frames carry. Routes and listeners are rebuilt lazily, once before the next routing after a
/// client left or changed its mind (``markStale()``). A drained batch is reduced to the newest
/// update per candle (``newestInBatch(_:directory:)``) before its frames are built.
final class FocusRouter {
    /// The server-wide focus (docs/server-protocol.md, "Focus").
    var focus: ServerFocus = .none
    /// The focus's 1-minute key now (nil: no focus, pending, or following a chart not seen yet).
    var focusKey: SubscriptionKey?
    /// Clients that receive the focus (valid after ``refreshListeners(_:)``).
    private(set) var listeners: [ClientSession] = []
    /// ``listeners`` must be rebuilt before the next routing.
    var listenersDirty = false
    /// ``routes`` must be rebuilt before the next routing (a client left or was cut).
    private(set) var routesDirty = false
    /// The directory's size when a pending focus was last looked up (saves lookups per batch).
    var pendingCheckedCount = -1
    /// Subscription key → the clients subscribed to it (valid after ``refreshRoutes(_:)``).
    private(set) var routes: [SubscriptionKey: [ClientSession]] = [:]
    /// Asset names by id, as far as the directory had them when last looked.
    private(set) var names: [String] = []
    /// The batch's newest update per candle: candle → its place in ``order``.
    private var newest: [CandleKey: Int] = [:]
    /// Indices into the batch of the updates to send, in batch order; -1 for a replaced one.
    private(set) var order: [Int] = []
    /// Reused between drains: the batch taken from the candle ring.
    var candleScratch: [Candle] = []

    init() {}

    /// The asset the focus streams now, if known (`detected`: the broker chart's asset).
    func focusAsset(detected: AssetID?) -> AssetID? {
        switch focus {
        case .asset(let a): a
        case .follow: detected
        case .none, .pending: nil
        }
    }

    /// Marks the routes and the focus listeners stale (a client left, was cut or changed its
    /// focus mode); they are rebuilt once, before the next routing.
    func markStale() {
        routesDirty = true
        listenersDirty = true
    }

    /// Rebuilds the subscription routes from `sessions` if they are stale; the history backlog of
    /// those sessions (for the gauge) when rebuilt, nil when nothing was stale.
    func refreshRoutes(_ sessions: some Sequence<ClientSession>) -> Int? {
        guard routesDirty else { return nil }
        routesDirty = false
        routes.removeAll(keepingCapacity: true)
        var backlog = 0
        for s in sessions where s.socketConnected && !s.killed {
            for k in s.subscriptions { routes[k, default: []].append(s) }
            backlog += s.requests.backlogCount
        }
        return backlog
    }

    /// Adds a client's new subscription keys to the routes (unless they are rebuilt anyway).
    func addRoutes(_ s: ClientSession, _ keys: some Sequence<SubscriptionKey>) {
        guard !routesDirty else { return }
        for k in keys { routes[k, default: []].append(s) }
    }

    /// Removes a client's dropped subscription keys from the routes (unless they are rebuilt anyway).
    func removeRoutes(_ s: ClientSession, _ keys: some Sequence<SubscriptionKey>) {
        guard !routesDirty else { return }
        for k in keys {
            routes[k]?.removeAll { $0 === s }
            if routes[k]?.isEmpty == true { routes[k] = nil }
        }
    }

    /// Rebuilds the listener list from `sessions` if it is stale.
    func refreshListeners(_ sessions: some Sequence<ClientSession>) {
        guard listenersDirty else { return }
        listenersDirty = false
        listeners.removeAll(keepingCapacity: true)
        for s in sessions where s.socketConnected && !s.killed && s.listensToFocus { listeners.append(s) }
    }

    /// Whether a batch can reach anyone: some subscription, or a focus with listeners.
    var hasAudience: Bool { !routes.isEmpty || (focusKey != nil && !listeners.isEmpty) }

    /// Keeps only the newest update per candle within `candles`, in batch order (``order``).
    /// True when the batch named assets the names did not have and the names grew.
    func newestInBatch(_ candles: [Candle], directory: AssetDirectory) -> Bool {
        newest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        var assetsChanged = false
        for i in candles.indices {
            let c = candles[i]
            if Int(c.asset.rawValue) >= names.count { assetsChanged = refreshNames(directory) || assetsChanged }
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            if let j = newest[key] { order[j] = -1 }
            newest[key] = order.count
            order.append(i)
        }
        return assetsChanged
    }

    /// Hands each update of the batch that someone receives to `deliver`, in batch order (after
    /// ``newestInBatch(_:directory:)``, with routes and listeners refreshed): first the clients
    /// subscribed to its asset × timeframe, then – for the focus's key – the listeners that did not
    /// subscribe to it too. `frame` builds an update's bytes once, only when someone receives it.
    /// The hot path: no allocation or lock of its own per update.
    func route(_ candles: [Candle], frame: (Candle) -> [UInt8], deliver: (ClientSession, [UInt8], CandleKey) -> Void) {
        guard hasAudience else { return }
        let focusKey = self.focusKey
        for i in order where i >= 0 {
            let c = candles[i]
            let sub = SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)
            let targets = routes[sub]
            let focused = sub == focusKey
            guard focused || targets?.isEmpty == false else { continue }
            let bytes = frame(c)
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            if let targets { for s in targets { deliver(s, bytes, key) } }
            guard focused else { continue }
            // listeners that also subscribed to the focus's key got it above
            for s in listeners where s.subscriptions.isEmpty || !s.subscriptions.contains(sub) {
                deliver(s, bytes, key)
            }
        }
    }

    /// Reads the directory's names if it has grown; true when it had.
    @discardableResult
    func refreshNames(_ directory: AssetDirectory) -> Bool {
        let all = directory.allNames
        guard all.count != names.count else { return false }
        names = all
        return true
    }

    /// An asset's name (from ``names``, refreshed when the id is new to them).
    func assetName(_ a: AssetID, directory: AssetDirectory) -> String {
        if Int(a.rawValue) >= names.count { refreshNames(directory) }
        return Int(a.rawValue) < names.count ? names[Int(a.rawValue)] : directory.name(of: a)
    }
}
