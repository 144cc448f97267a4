import Candles
import CLibWebSockets
import FastDecode
import Ring
import Synchronization

/// Engine input on the network thread: candle routing to clients, source status, asset
/// detection, and the replies that need the data source (built on the worker queue).
extension ServerCore {
    // MARK: engine input

    /// Takes the inbox and routes it (network thread, on `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drain() {
        refreshRoutes()  // clients that left since the last turn
        inbox.takeInputs(&inputScratch)
        for input in inputScratch { handle(input) }
        candleScratch.removeAll(keepingCapacity: true)
        var scratch = candleScratch
        candleScratch = []
        inbox.candles.popBatch(max: inbox.candles.capacity) { scratch.append($0) }
        resolvePendingFocus()
        if !scratch.isEmpty {
            deferringWrites = true
            route(scratch)
            deferringWrites = false
            flushRouted()
        }
        candleScratch = scratch
        if inbox.stopping.load(ordering: .acquiring), !closingAll {
            closingAll = true
            for s in sessions.values {
                if s.socketConnected { enqueue(s, SocketIOEncoder.disconnect, force: true) }
                s.closeAfterFlush = true
                requestWrite(s)
            }
        }
    }

    private func handle(_ input: ServerInput) {
        switch input {
        case .status(let st):
            guard st != status else { return }
            status = st
            broadcast("connection_status", ServerPayloads.connectionStatus(st))
            if st.connected {
                if events.sourceLost, st.kind == .chrome { broadcast("chrome_reconnected", ServerPayloads.reconnected(st.kind)) }
                events.sourceWasConnected = true
                events.sourceLost = false
            } else if events.sourceWasConnected {
                events.sourceLost = true
            }
        case .error(let message):
            broadcast("stream_error", ServerPayloads.error(message, timestamp: true))
        case .assetDetected(let a):
            let before = focusName
            detected = a
            broadcast("asset_detected", ServerPayloads.assetStamp(assetName(a)))
            chartMoved(to: a, before: before)
            resolvePendingFocus()
        case .deliver(let client, let frames):
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        case .analysisDone(let client, let address, let frames):
            analysisDone(client: client, address: address)
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        case .historyDone(let key, let frame):
            historyDone(key, frame)
        case .listingDone(let event, let payload):
            listingDone(event: event, payload: payload)
        }
    }

    private func route(_ candles: [Candle]) {
        defer { routeLiveIndicators(candles) }  // after the candle frames, on every exit
        counters.add(counters.batches)
        counters.add(counters.candleUpdatesIn, UInt64(candles.count))
        // keep only the newest update per candle within the batch, in batch order
        newest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        var assetsChanged = false
        for i in candles.indices {
            let c = candles[i]
            if Int(c.asset.rawValue) >= names.count { assetsChanged = refreshNames() || assetsChanged }
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            if let j = newest[key] { order[j] = -1 }
            newest[key] = order.count
            order.append(i)
        }
        if assetsChanged { broadcast("assets", ServerPayloads.stringList("assets", names)) }
        refreshRoutes()
        refreshListeners()
        let focusKey = events.focusKey
        guard !routes.isEmpty || (focusKey != nil && !events.listeners.isEmpty) else { return }
        for i in order where i >= 0 {
            let c = candles[i]
            let sub = SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)
            let targets = routes[sub]
            let focused = sub == focusKey
            guard focused || targets?.isEmpty == false else { continue }
            let frame = ServerPayloads.candleUpdateFrame(c, asset: assetName(c.asset))
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            if let targets { for s in targets { enqueue(s, frame, key: key) } }
            guard focused else { continue }
            // listeners that also subscribed to the focus's key got it above
            for s in events.listeners where s.subscriptions.isEmpty || !s.subscriptions.contains(sub) {
                enqueue(s, frame, key: key)
            }
        }
    }

    @discardableResult
    func refreshNames() -> Bool {
        let all = directory.allNames
        guard all.count != names.count else { return false }
        names = all
        return true
    }

    func assetName(_ a: AssetID) -> String {
        if Int(a.rawValue) >= names.count { refreshNames() }
        return Int(a.rawValue) < names.count ? names[Int(a.rawValue)] : directory.name(of: a)
    }

    /// Marks the routes and the focus listeners stale (a client left, was cut or changed its
    /// focus mode); they are rebuilt once, before the next routing.
    func rebuildRoutes() {
        events.routesDirty = true
        events.listenersDirty = true
    }

    /// Rebuilds the subscription routes if they are stale (and the backlog gauge with them).
    func refreshRoutes() {
        guard events.routesDirty else { return }
        events.routesDirty = false
        routes.removeAll(keepingCapacity: true)
        var backlog = 0
        for s in sessions.values where s.socketConnected && !s.killed {
            for k in s.subscriptions { routes[k, default: []].append(s) }
            backlog += s.requests.backlogCount
        }
        events.historyBacklog = backlog
        counters.historyBacklog.store(backlog, ordering: .relaxed)
    }

    /// Adds a client's new subscription keys to the routes (unless they are rebuilt anyway).
    func addRoutes(_ s: ClientSession, _ keys: some Sequence<SubscriptionKey>) {
        guard !events.routesDirty else { return }
        for k in keys { routes[k, default: []].append(s) }
    }

    /// Removes a client's dropped subscription keys from the routes (unless they are rebuilt anyway).
    func removeRoutes(_ s: ClientSession, _ keys: some Sequence<SubscriptionKey>) {
        guard !events.routesDirty else { return }
        for k in keys {
            routes[k]?.removeAll { $0 === s }
            if routes[k]?.isEmpty == true { routes[k] = nil }
        }
    }
}
