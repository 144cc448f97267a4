import Candles
import CSupport
import FastDecode
import Foundation

/// Engine input on the network thread: candle routing to clients, source status, asset
/// detection, and the replies that need the data source (built on the worker queue).
extension ServerCore {
    // MARK: engine input

    /// Takes the inbox and routes it (network thread, on `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drain() {
        inbox.takeInputs(&inputScratch)
        for input in inputScratch { handle(input) }
        candleScratch.removeAll(keepingCapacity: true)
        var scratch = candleScratch
        candleScratch = []
        inbox.candles.popBatch(max: inbox.candles.capacity) { scratch.append($0) }
        if !scratch.isEmpty { route(scratch) }
        candleScratch = scratch
        if stopping.load(ordering: .acquiring), !closingAll {
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
        case .error(let message):
            broadcast("stream_error", ServerPayloads.error(message, timestamp: true))
        case .assetDetected(let a):
            detected = a
            let name = assetName(a)
            broadcast("asset_detected", ServerPayloads.assetStamp(name))
            var moved = false
            for s in sessions.values {
                switch s.focus {
                case .follow:
                    break
                case .asset(let current) where config.followChart && current != a:
                    s.focus = .asset(a)
                default:
                    continue
                }
                emit(s, "asset_changed", ServerPayloads.assetStamp(name))
                scheduleHistory(s, asset: a, timeframe: .oneMinute)
                moved = true
            }
            if moved { rebuildRoutes() }
        case .deliver(let client, let frames):
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
        case .analysisDone(let client, let frames):
            analysisPending -= 1
            guard let s = sessions[client], s.socketConnected else { return }
            for f in frames { enqueue(s, f) }
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
        guard !routes.isEmpty else { return }
        for i in order where i >= 0 {
            let c = candles[i]
            guard let targets = routes[SubscriptionKey(asset: c.asset.rawValue, seconds: c.timeframe.seconds)],
                  !targets.isEmpty else { continue }
            let frame = ServerPayloads.candleUpdateFrame(c, asset: assetName(c.asset))
            let key = CandleKey(asset: c.asset.rawValue, seconds: Int32(c.timeframe.seconds), start: c.start)
            for s in targets { enqueue(s, frame, key: key) }
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

    func rebuildRoutes() {
        routes.removeAll(keepingCapacity: true)
        followers = 0
        for s in sessions.values where s.socketConnected && !s.killed {
            if s.focus == .follow { followers += 1 }
            for k in s.keys(detected: detected) { routes[k, default: []].append(s) }
        }
    }

    // MARK: data source work (off the network thread)

    func scheduleHistory(_ s: ClientSession, asset: AssetID, timeframe: Timeframe) {
        let id = s.id, ds = dataSource, dir = directory, inbox = inbox
        worker.async {
            let h = ds.recentCandles(asset: asset, timeframe: timeframe)
            let payload = ServerPayloads.history(asset: dir.name(of: asset), timeframe: timeframe, h)
            inbox.post(.deliver(client: id, frames: [SocketIOEncoder.event("historical_candles_loaded", payload: payload)]))
        }
    }

    func scheduleAvailableData(_ s: ClientSession, ack: Int?) {
        let id = s.id, ds = dataSource, inbox = inbox
        worker.async {
            var frames: [[UInt8]] = []
            do {
                let payload = ServerPayloads.availableData(try ds.availableFiles())
                frames.append(SocketIOEncoder.event("available_data", payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            } catch {
                let payload = ServerPayloads.error("\(error)", timestamp: false)
                frames.append(SocketIOEncoder.event("data_error", payload: payload))
                if let ack { frames.append(SocketIOEncoder.ack(id: ack, payload: payload)) }
            }
            inbox.post(.deliver(client: id, frames: frames))
        }
    }
}
