import Candles
import FastDecode
import Testing

@testable import SocketIOServer

/// Focus and routing (``FocusRouter``) without a server: routes, listeners, the newest update per
/// candle, asset names.
@Suite("Server focus router")
struct ServerFocusRouterTests {
    private func session(
        _ id: UInt64, connected: Bool = true, focus: ClientSession.Focus = .passive,
        subscriptions: Set<SubscriptionKey> = []
    ) -> ClientSession {
        let s = ClientSession(
            id: id, transport: .polling, sid: "s\(id)", address: "a", maxMessageBytes: 1024,
            queueLimit: 8, byteBudget: 0)
        s.socketConnected = connected
        s.focus = focus
        s.subscriptions = subscriptions
        return s
    }

    @Test("routes are rebuilt from connected sessions only when stale, and patched in between")
    func routes() {
        let r = FocusRouter()
        let k1 = SubscriptionKey(asset: 1, seconds: 60), k2 = SubscriptionKey(asset: 2, seconds: 5)
        let a = session(1, subscriptions: [k1]), b = session(2, subscriptions: [k1, k2]),
            gone = session(3, subscriptions: [k1])
        gone.killed = true
        b.requests.historyBacklog = [k2]
        #expect(r.refreshRoutes([a, b, gone]) == nil)  // not stale yet
        r.markStale()
        #expect(r.refreshRoutes([a, b, gone]) == 1)  // b's backlog
        #expect(r.routes[k1]?.map(\.id).sorted() == [1, 2])
        #expect(r.routes[k2]?.map(\.id) == [2])
        r.removeRoutes(b, [k2])
        #expect(r.routes[k2] == nil)
        r.addRoutes(a, [k2])
        #expect(r.routes[k2]?.map(\.id) == [1])
        #expect(r.hasAudience)
    }

    @Test("listeners are the connected sessions that listen to the focus")
    func listeners() {
        let r = FocusRouter()
        let passive = session(1), requested = session(2, focus: .requested), none = session(3, focus: .none),
            offline = session(4, connected: false)
        r.listenersDirty = true
        r.refreshListeners([passive, requested, none, offline])
        #expect(r.listeners.map(\.id).sorted() == [1, 2])
        #expect(!r.hasAudience)  // no focus key, no routes
        r.focusKey = SubscriptionKey(asset: 1, seconds: 60)
        #expect(r.hasAudience)
    }

    @Test("the focus's asset: its own, the chart's when following, none when pending")
    func focusAsset() {
        let r = FocusRouter()
        let chart = AssetID(rawValue: 7)
        #expect(r.focusAsset(detected: chart) == nil)
        r.focus = .follow
        #expect(r.focusAsset(detected: chart) == chart)
        #expect(r.focusAsset(detected: nil) == nil)
        r.focus = .asset(AssetID(rawValue: 3))
        #expect(r.focusAsset(detected: chart) == AssetID(rawValue: 3))
        r.focus = .pending("EURUSD")
        #expect(r.focusAsset(detected: chart) == nil)
    }

    @Test("a batch keeps only the newest update per candle, in batch order, and learns new names")
    func newestInBatch() {
        let dir = AssetDirectory()
        let eur = dir.register("EURUSD"), gbp = dir.register("GBPUSD")
        let m = Timeframe(seconds: 60)
        let batch = [
            Candle(asset: eur, timeframe: m, start: 0, price: 1),
            Candle(asset: gbp, timeframe: m, start: 0, price: 2),
            Candle(asset: eur, timeframe: m, start: 0, price: 3),  // replaces the first
            Candle(asset: eur, timeframe: m, start: 60, price: 4),
        ]
        let r = FocusRouter()
        #expect(r.newestInBatch(batch, directory: dir))  // the names grew
        #expect(r.order == [-1, 1, 2, 3])
        #expect(!r.newestInBatch(batch, directory: dir))  // known now
        #expect(r.assetName(gbp, directory: dir) == "GBPUSD")
        let late = dir.register("USDJPY")
        #expect(r.assetName(late, directory: dir) == "USDJPY")
        #expect(r.names == ["EURUSD", "GBPUSD", "USDJPY"])
    }

    @Test("a batch goes to subscribers, and to focus listeners once; nobody listening builds no frame")
    func routeBatch() {
        let dir = AssetDirectory()
        let eur = dir.register("EURUSD"), gbp = dir.register("GBPUSD")
        let m = Timeframe(seconds: 60)
        let eurKey = SubscriptionKey(asset: eur.rawValue, seconds: 60),
            gbpKey = SubscriptionKey(asset: gbp.rawValue, seconds: 60)
        let subscriber = session(1, focus: .none, subscriptions: [gbpKey])
        let listener = session(2)
        let both = session(3, focus: .requested, subscriptions: [eurKey])
        let r = FocusRouter()
        let batch = [
            Candle(asset: eur, timeframe: m, start: 0, price: 1), Candle(asset: gbp, timeframe: m, start: 0, price: 2),
            Candle(asset: eur, timeframe: m, start: 0, price: 3),
        ]
        var frames = 0, got: [(UInt64, Double)] = []
        func run() {
            frames = 0
            got = []
            _ = r.newestInBatch(batch, directory: dir)
            _ = r.refreshRoutes([subscriber, listener, both])
            r.refreshListeners([subscriber, listener, both])
            r.route(
                batch,
                frame: { c in
                    frames += 1; return [UInt8(c.close)]
                }
            ) { s, bytes, key in
                #expect(key.start == 0 && key.seconds == 60)
                got.append((s.id, Double(bytes[0])))
            }
        }
        r.markStale()
        r.focusKey = nil
        run()
        #expect(got.map(\.0) == [1, 3] && frames == 2)  // subscriptions only: gbp to 1, eur to 3
        #expect(got.last?.1 == 3)  // the newest update of the eur candle
        r.focusKey = eurKey
        r.listenersDirty = true
        run()
        #expect(got.map(\.0) == [1, 3, 2] && frames == 2)  // eur: 3 subscribed, 2 listens; 3 not twice
        let empty = FocusRouter()
        empty.route(
            batch,
            frame: { _ in
                frames += 100; return []
            }
        ) { _, _, _ in Issue.record("delivered") }
        #expect(frames == 2)
    }
}
