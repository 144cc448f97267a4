import Candles
import FastDecode
import Testing

@testable import Collect
@testable import SocketIOServer

/// The newest history candle held until the stream shows it closed (`qflux collect`), without a browser.
@Suite("Collect: the newest history candle")
struct NewestCandleTrackerTests {
    private func history(_ asset: AssetID, period: Int, starts: [Int64], ticks: [Double] = []) -> HistorySnapshot {
        HistorySnapshot(
            source: .updateHistoryNewFast, asset: asset, period: period,
            ticks: ticks.map { PricePoint(time: $0, price: 1.5) },
            candles: starts.map { BrokerCandle(time: Double($0), open: 1.0, high: 1.2, low: 0.9, close: 1.1) })
    }

    @Test("a forming candle is completed by its asset's ticks and archived when one falls past its end")
    func laterTickOfTheAsset() {
        var tracker = NewestCandleTracker()
        var closed: [Candle] = []
        let a = AssetID(rawValue: 0)
        tracker.history(history(a, period: 60, starts: [1_700_000_040, 1_700_000_100]), into: &closed)
        #expect(closed.isEmpty, "no tick yet: the newest may be forming")
        tracker.tick(Tick(asset: a, time: 1_700_000_140, price: 1.3), into: &closed)
        tracker.tick(Tick(asset: a, time: 1_700_000_150, price: 0.8), into: &closed)
        #expect(closed.isEmpty)
        tracker.tick(Tick(asset: a, time: 1_700_000_160.5, price: 1.0), into: &closed)
        #expect(closed.count == 1)
        let c = closed.first
        #expect(c?.start == 1_700_000_100 && c?.open == 1.0 && c?.high == 1.3 && c?.low == 0.8 && c?.close == 0.8)
    }

    @Test(
        "a market closed over the weekend: another asset's tick past the candle's end closes it as the history sent it; a history older than the latest tick at once"
    )
    func streamClock() {
        var tracker = NewestCandleTracker()
        var closed: [Candle] = []
        let closedMarket = AssetID(rawValue: 1), otc = AssetID(rawValue: 2)
        tracker.history(history(closedMarket, period: 300, starts: [1_700_000_100]), into: &closed)
        tracker.tick(Tick(asset: otc, time: 1_700_000_399, price: 2), into: &closed)
        #expect(closed.isEmpty)
        tracker.tick(Tick(asset: otc, time: 1_700_000_400, price: 2), into: &closed)
        #expect(closed.map(\.start) == [1_700_000_100] && closed.first?.close == 1.1 && closed.first?.high == 1.2)
        closed.removeAll()
        tracker.history(history(closedMarket, period: 60, starts: [1_700_000_280]), into: &closed)
        #expect(closed.map(\.start) == [1_700_000_280], "older than the latest tick: closed at once")
        closed.removeAll()
        // the history's own ticks count as the stream's
        tracker.history(history(otc, period: 60, starts: [1_700_000_400], ticks: [1_700_000_461]), into: &closed)
        #expect(closed.map(\.start) == [1_700_000_400])
    }

    @Test("a newer history of the same asset and period replaces the held candle; other kinds of history hold nothing")
    func replaced() {
        var tracker = NewestCandleTracker()
        var closed: [Candle] = []
        let a = AssetID(rawValue: 0)
        tracker.history(history(a, period: 60, starts: [1_700_000_040]), into: &closed)
        tracker.history(history(a, period: 60, starts: [1_700_000_040, 1_700_000_100]), into: &closed)
        var older = history(a, period: 60, starts: [1_699_000_000])
        older.source = .loadHistoryPeriodFast
        tracker.history(older, into: &closed)
        tracker.tick(Tick(asset: a, time: 1_700_000_200, price: 1), into: &closed)
        #expect(closed.map(\.start) == [1_700_000_100], "one candle held per asset and period")
    }
}

/// The `cache_historical_data` store's bounds, without a server.
@Suite("Server: historical data cache")
struct HistoricalDataCacheTests {
    @Test("bounded by entries and bytes (oldest first out), entries live an hour, keys ignore case and punctuation")
    func bounds() {
        var cache = HistoricalDataCache(maxEntries: 3, maxBytes: 100, ttlSeconds: 3600)
        let ten = [UInt8](repeating: 0x31, count: 10)
        for i in 0..<4 {
            let stored = cache.store(asset: "A\(i)", timeframe: "1M", json: ten, count: 1, now: UInt64(i))
            #expect(stored)
        }
        #expect(cache.count == 3 && cache.bytes == 30)
        let a0 = cache.get(asset: "A0", timeframe: "1M", now: 10)
        #expect(a0 == nil, "the oldest went first")
        let a1 = cache.get(asset: "a-1", timeframe: "1m", now: 10)
        #expect(a1?.json == ten, "A1 by another spelling")
        #expect(cache.hits == 1 && cache.misses == 1)
        let b = cache.store(asset: "B", timeframe: "1M", json: [UInt8](repeating: 0x32, count: 90), count: 1, now: 20)
        #expect(b)
        #expect(cache.count == 2 && cache.bytes == 100, "bytes bound: the oldest gave way")
        let c = cache.store(asset: "C", timeframe: "1M", json: [UInt8](repeating: 0, count: 101), count: 1, now: 21)
        #expect(!c, "larger than the whole cache: refused")
        let cleared = cache.clear(asset: "B", timeframe: "1M")
        #expect(cleared && cache.count == 1 && cache.bytes == 10)
        let d = cache.store(asset: "D", timeframe: "1M", json: ten, count: 1, now: 100)
        let early = cache.get(asset: "D", timeframe: "1M", now: 100 + 3_599_000_000_000)
        let late = cache.get(asset: "D", timeframe: "1M", now: 100 + 3_600_000_000_000)
        #expect(d && early != nil)
        #expect(late == nil, "an hour later: gone")
        #expect(cache.count == 0)
    }
}
