import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import Demo
@testable import Engine
@testable import SocketIOServer

@Suite("CandleFormer history")
struct CandleHistoryTests {
    static let m = Timeframe.oneMinute
    static let five = Timeframe(seconds: 300)
    /// A five-minute boundary.
    static let t0 = 1_756_869_600.0
    static let a = AssetID(rawValue: 0)

    func snapshot(
        ticks: [(Double, Double)] = [], candles: [BrokerCandle] = [], period: Int? = 60,
        source: HistorySource = .updateHistoryNewFast
    ) -> HistorySnapshot {
        HistorySnapshot(
            source: source, asset: Self.a, period: period,
            ticks: ticks.map { PricePoint(time: $0.0, price: $0.1) }, candles: candles)
    }

    /// Broker 1m candles for minutes `range` after t0, values derived from the minute.
    func brokerCandles(_ range: Range<Int>) -> [BrokerCandle] {
        range.map { i in
            let x = Double(i)
            return BrokerCandle(time: Self.t0 + x * 60, open: 1 + x, high: 1.5 + x, low: 0.5 + x, close: 1.25 + x)
        }
    }

    @Test func candlesOnlySeedClosedCandlesAndAFormingOne() {
        var f = CandleFormer(timeframes: [Self.m, Self.five])
        var events: [CandleEvent] = []
        f.seed(snapshot(candles: brokerCandles(0..<7))) { events.append($0) }
        let ones = f.recentCandles(asset: Self.a, timeframe: Self.m)
        #expect(ones.count == 7)
        #expect(ones.allSatisfy { $0.ticks == 0 })
        #expect(ones.last == f.forming(asset: Self.a, timeframe: Self.m))
        #expect(ones.last?.open == 7)
        // 5m: minutes 0–4 aggregate into one closed candle; minutes 5–6 start the forming one.
        let fives = f.recentCandles(asset: Self.a, timeframe: Self.five)
        #expect(
            fives == [
                Candle(
                    asset: Self.a, timeframe: Self.five, start: Int64(Self.t0), open: 1, high: 5.5, low: 0.5,
                    close: 5.25, ticks: 0),
                Candle(
                    asset: Self.a, timeframe: Self.five, start: Int64(Self.t0) + 300, open: 6, high: 7.5, low: 5.5,
                    close: 7.25, ticks: 0),
            ])
        // Events: 6 + 1 revised (closed, out of order), 2 updated (one per timeframe), nothing closed.
        #expect(events.filter { if case .revised = $0 { true } else { false } }.count == 7)
        #expect(events.filter { if case .updated = $0 { true } else { false } }.count == 2)
        #expect(f.stats.historyCandles == 9)

        // A live tick in the newest broker minute keeps the broker's open and takes over close.
        var live: [CandleEvent] = []
        f.add(tick(0, Self.t0 + 6 * 60 + 30, 9.0)) { live.append($0) }
        let c = f.forming(asset: Self.a, timeframe: Self.m)!
        #expect((c.open, c.high, c.low, c.close, c.ticks) == (7.0, 9.0, 6.5, 9.0, 1))
        #expect(live.count == 2)
    }

    @Test func olderPageAddsOnlyClosedCandles() {
        var f = CandleFormer(timeframes: [Self.m])
        f.seed(snapshot(candles: brokerCandles(10..<12))) { _ in }
        var events: [CandleEvent] = []
        f.seed(snapshot(candles: brokerCandles(0..<10), source: .loadHistoryPeriodFast)) { events.append($0) }
        #expect(events.count == 10)
        #expect(events.allSatisfy { if case .revised = $0 { true } else { false } })
        #expect(
            f.recentCandles(asset: Self.a, timeframe: Self.m).map(\.start)
                == (0..<12).map { Int64(Self.t0) + Int64($0) * 60 })
        #expect(f.forming(asset: Self.a, timeframe: Self.m)?.start == Int64(Self.t0) + 11 * 60)
    }

    @Test func applyingTheSameSnapshotTwiceChangesNothing() {
        var f = CandleFormer(timeframes: [Self.m, Self.five])
        let ticks: [(Double, Double)] = (0..<200).map { (i: Int) -> (Double, Double) in
            (Self.t0 + 420 + Double(i) * 1.7, 1 + Double(i % 13) / 100)
        }
        let snap = snapshot(ticks: ticks, candles: brokerCandles(0..<13))
        f.seed(snap) { _ in }
        let once = f.allCandles()
        var events: [CandleEvent] = []
        f.seed(snap) { events.append($0) }
        #expect(events.isEmpty)
        #expect(f.allCandles() == once)
        #expect(f.stats.duplicates == 200)
        #expect(f.stats.historyTicks == 200)
    }

    @Test func historyTicksThenOverlappingLiveTicksAreNotDoubleCounted() {
        var f = CandleFormer(timeframes: [Self.m, Self.five])
        var rng = SeededRandom(seed: 11)
        var all: [Tick] = []
        var time = Self.t0 + 3.5
        for _ in 0..<600 {
            time += Double(Int.random(in: 1...2_500, using: &rng)) / 1000
            all.append(tick(0, time, Double(Int.random(in: 1_000...2_000, using: &rng)) / 1000))
        }
        let history = Array(all[..<400])
        // The live stream starts 30 ticks before the snapshot ends: those repeat history.
        let live = Array(all[370...])
        var replay = EventReplay()
        f.seed(snapshot(ticks: history.map { ($0.time, $0.price) })) { replay.apply($0) }
        for t in live { f.add(t) { replay.apply($0) } }
        #expect(f.stats.duplicates == 30)
        let expected = CandleOracle.candles(all, timeframes: [Self.m, Self.five], window: .default)
        #expect(f.allCandles() == expected)
        #expect(replay.candles == expected)
        #expect(replay.closedOutOfOrder == 0)
    }

    @Test func historyArrivingAfterLiveTicksBackfillsWithoutDoubleCounting() {
        var f = CandleFormer(timeframes: [Self.m, Self.five])
        var rng = SeededRandom(seed: 12)
        var all: [Tick] = []
        var time = Self.t0 + 1.25
        for _ in 0..<800 {
            time += Double(Int.random(in: 1...2_000, using: &rng)) / 1000
            all.append(tick(0, time, Double(Int.random(in: 1_000...2_000, using: &rng)) / 1000))
        }
        // Live ticks 500..<800 arrive first; then a snapshot holding ticks 0..<650.
        var replay = EventReplay()
        for t in all[500...] { f.add(t) { replay.apply($0) } }
        var seedEvents: [CandleEvent] = []
        f.seed(snapshot(ticks: all[..<650].map { ($0.time, $0.price) })) {
            seedEvents.append($0); replay.apply($0)
        }
        #expect(f.stats.duplicates == 150)
        #expect(f.stats.historyTicks == 500)
        // Candles equal those of the whole stream in time order, each tick counted once.
        let expected = CandleOracle.candles(all, timeframes: [Self.m, Self.five], window: .default)
        #expect(f.allCandles() == expected)
        #expect(replay.candles == expected)
        // One event per changed candle, no `.updated` per history tick.
        #expect(seedEvents.count <= expected.count)
        #expect(!seedEvents.contains { if case .closed = $0 { true } else { false } })
    }

    @Test func brokerCandlesFillBeforeTheFirstTickAndLendTheirOpen() {
        var f = CandleFormer(timeframes: [Self.m, Self.five])
        // Ticks start in minute 7 at +20 s; broker candles cover minutes 0…7.
        let ticks: [(Double, Double)] = (0..<100).map { (i: Int) -> (Double, Double) in
            (Self.t0 + 7 * 60 + 20 + Double(i) * 2, 20.0 + Double(i % 7))
        }
        f.seed(snapshot(ticks: ticks, candles: brokerCandles(0..<8))) { _ in }
        let ones = f.recentCandles(asset: Self.a, timeframe: Self.m)
        #expect(
            ones.prefix(7)
                == ArraySlice(
                    brokerCandles(0..<7).map {
                        Candle(
                            asset: Self.a, timeframe: Self.m, start: Int64($0.time), open: $0.open, high: $0.high,
                            low: $0.low, close: $0.close, ticks: 0)
                    }))
        // Minute 7: the broker's open, highs/lows of both, the ticks' close and count.
        let seventh = ones[7]
        #expect((seventh.open, seventh.high, seventh.low, seventh.close) == (8.0, 26.0, 7.5, 20.0 + Double(19 % 7)))
        #expect(seventh.ticks == 20)
        // 5m: minutes 0–4 complete → closed from the broker; minutes 5–9 open from the broker.
        let fives = f.recentCandles(asset: Self.a, timeframe: Self.five)
        #expect(fives.first?.ticks == 0)
        #expect(fives.first?.close == 5.25)
        #expect(fives[1].open == 6.0)
        #expect(fives[1].ticks == 80)  // ticks before t0 + 600
        // Live ticks the history already held are repeats.
        var events: [CandleEvent] = []
        f.add(tick(0, ticks.last!.0, 99)) { events.append($0) }
        #expect(events.isEmpty)
        #expect(f.stats.duplicates == 1)
    }

    @Test func brokerCandlesNeverReplaceTickBuiltCandles() {
        var f = CandleFormer(timeframes: [Self.m])
        for i in 0..<5 { f.add(tick(0, Self.t0 + Double(i) * 60 + 1, 50)) { _ in } }
        let before = f.allCandles()
        f.seed(snapshot(candles: brokerCandles(1..<5))) { _ in }
        #expect(f.allCandles() == before)
        #expect(f.stats.historyCandles == 0)
    }
}
