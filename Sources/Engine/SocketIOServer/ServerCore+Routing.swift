import CLibWebSockets
import Candles
import FastDecode
import Ring
import Synchronization
import ThreadSupport

/// Engine input on the network thread: candle routing to clients, source status, asset
/// detection, and the replies that need the data source (built on the worker queue).
extension ServerCore {
    // MARK: engine input

    /// Takes the inbox and routes it (network thread, on `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drain() {
        let tracing = inbox.trace.enabled
        let postedAt = tracing ? inbox.trace.takePostTime() : 0
        let drainAt = tracing ? monotonicNanos() : 0
        refreshRoutes()  // clients that left since the last turn
        inbox.takeInputs(&inputScratch)
        for input in inputScratch { handle(input) }
        router.candleScratch.removeAll(keepingCapacity: true)
        var scratch = router.candleScratch
        router.candleScratch = []
        inbox.candles.popBatch(max: inbox.candles.capacity) { scratch.append($0) }
        focus.resolvePendingFocus()
        if !scratch.isEmpty {
            sessions.deferringWrites = true
            route(scratch)
            sessions.deferringWrites = false
            let flushed = flushRouted(timed: tracing)
            if tracing, postedAt != 0 {
                inbox.trace.record(
                    FanoutTraceSample(
                        toDrain: drainAt &- postedAt,
                        toFirstSend: flushed.firstSendAt == 0 ? 0 : flushed.firstSendAt &- postedAt,
                        toLastSend: flushed.lastSendAt == 0 ? 0 : flushed.lastSendAt &- postedAt,
                        direct: flushed.direct, deferred: flushed.deferred))
            }
        }
        router.candleScratch = scratch
        if inbox.stopping.load(ordering: .acquiring), !closingAll {
            closingAll = true
            for s in sessions.all {
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
                if events.sourceLost, st.kind == .chrome {
                    broadcast("chrome_reconnected", ServerPayloads.reconnected(st.kind))
                }
                events.sourceWasConnected = true
                events.sourceLost = false
            } else if events.sourceWasConnected {
                events.sourceLost = true
            }
        case .error(let message):
            broadcast("stream_error", ServerPayloads.error(message, timestamp: true))
        case .assetDetected(let a):
            let before = focus.focusName
            detected = a
            broadcast("asset_detected", ServerPayloads.assetStamp(assetName(a)))
            focus.chartMoved(to: a, before: before)
            focus.resolvePendingFocus()
        case .deliver(let client, let frames):
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        case .analysisDone(let client, let address, let frames):
            handlers.analysis.done(client: client, address: address)
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        case .historyDone(let key, let frame):
            historyDone(key, frame)
        case .listingDone(let event, let payload):
            listingDone(event: event, payload: payload)
        case .signal(let delivery):
            handlers.deliver(delivery)
        case .screenedSignals(let specs):
            handlers.signalSubscriptions.screened = specs
        case .signalControl(let control):
            handlers.signalSubscriptions.control = control
        }
    }

    private func route(_ candles: [Candle]) {
        // after the candle frames, on every exit
        defer {
            if !liveIndicators.isEmpty {
                liveIndicators.route(
                    candles, order: router.order, send: { enqueue($0, $1, key: $2) },
                    isAlive: { isLiveSession($0) })
            }
            if !handlers.redisEra.isEmpty {
                handlers.redisEra.route(candles, order: router.order, send: { enqueue($0, $1, key: $2) })
            }
        }
        counters.add(counters.batches)
        counters.add(counters.candleUpdatesIn, UInt64(candles.count))
        // keep only the newest update per candle within the batch, in batch order
        if router.newestInBatch(candles, directory: directory) {
            broadcast("assets", ServerPayloads.stringList("assets", router.names))
        }
        refreshRoutes()
        refreshListeners()
        router.route(candles, frame: { ServerPayloads.candleUpdateFrame($0, asset: assetName($0.asset)) }) {
            s, frame, key in
            enqueue(s, frame, key: key)
        }
    }

    @discardableResult
    func refreshNames() -> Bool { router.refreshNames(directory) }

    func assetName(_ a: AssetID) -> String { router.assetName(a, directory: directory) }

    /// Marks the routes and the focus listeners stale (a client left, was cut or changed its
    /// focus mode); they are rebuilt once, before the next routing.
    func rebuildRoutes() { router.markStale() }

    /// Rebuilds the subscription routes if they are stale (and the backlog gauge with them).
    func refreshRoutes() {
        guard let backlog = router.refreshRoutes(sessions.all) else { return }
        jobs.setHistoryBacklog(backlog)
    }

    /// Rebuilds the focus listeners if they are stale.
    func refreshListeners() { router.refreshListeners(sessions.all) }

    /// Writes the sessions that routing gave messages to, right away on this (the service)
    /// thread, one `send` each (``WebSocketTransport/writeRouted(_:_:)``: straight to the socket),
    /// in the order they were routed: a writeable callback per client
    /// would cost one more trip through `poll` for all of them before the first byte leaves.
    /// A failed write closes the connection. These wait for their writeable callback as before:
    /// - a session whose last write libwebsockets still holds in part;
    /// - one closing after its flush;
    /// - one whose queue has overflowed (`overLimitSince`): a slow reader is judged by when `poll`
    ///   calls its socket writable, which the kernel reports only with a third of the send buffer
    ///   free, while a direct `send` succeeds until the buffer is full – megabytes later, so a
    ///   client that stopped reading would be cut much later than the grace period says.
    /// With `timed`, the monotonic times after the first and the last direct write (0: none).
    @discardableResult
    func flushRouted(timed: Bool = false) -> RoutedFlush {
        var flush = RoutedFlush()
        sessions.drainRoutedWrites { s in
            if s.killed { return }  // cut while routing (over its budget): closing, nothing to send
            guard case .websocket(let wsi) = s.transport, !s.closeAfterFlush, s.overLimitSince == nil,
                lws_partial_buffered(wsi) == 0
            else {
                flush.deferred += 1
                requestWrite(s)
                return
            }
            flush.direct += 1
            if webSockets.writeRouted(s, wsi) < 0 { kill(s) }
            if timed {
                flush.lastSendAt = monotonicNanos()
                if flush.firstSendAt == 0 { flush.firstSendAt = flush.lastSendAt }
            }
        }
        return flush
    }

    /// What ``flushRouted(timed:)`` did.
    struct RoutedFlush {
        var direct = 0
        var deferred = 0
        var firstSendAt: UInt64 = 0
        var lastSendAt: UInt64 = 0
    }

    private func isLiveSession(_ id: UInt64) -> Bool {
        guard let s = sessions[id] else { return false }
        return s.socketConnected && !s.killed
    }
}
