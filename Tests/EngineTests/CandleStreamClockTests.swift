import FastDecode
import Testing

@testable import Candles

/// A live tick far ahead of the stream's clock (the newest time taken for any asset) but within
/// the wall-clock bound once opened a candle days ahead for its asset: every later tick of that
/// asset was then late and dropped, and its candle updates stopped. Now such a tick is refused
/// and counted unless the next tick confirms the jump (a gap in a recording, a reconnect).
@Suite("Candle former: ticks far ahead of the stream's clock")
struct CandleStreamClockTests {
    static let eurusd = AssetID(rawValue: 0)
    static let gbpusd = AssetID(rawValue: 1)
    /// 2025-09-03, in the past of any machine running the tests.
    static let t0 = 1_756_866_774.0
    static let threeDays = 3.0 * 86_400

    /// Feeds ticks; returns the `.updated` candles per tick.
    static func feed(_ former: inout CandleFormer, _ ticks: [Tick]) -> [[Candle]] {
        ticks.map { tick in
            var updated: [Candle] = []
            former.add(tick) { if case let .updated(c) = $0 { updated.append(c) } }
            return updated
        }
    }

    @Test("one tick three days ahead is refused and counted; its asset's candles keep updating")
    func singleJumpIsRefused() {
        var former = CandleFormer(timeframes: [.oneMinute])
        var ticks = [
            Tick(asset: Self.eurusd, time: Self.t0, price: 1.1),
            Tick(asset: Self.gbpusd, time: Self.t0 + 0.5, price: 1.3),
            Tick(asset: Self.eurusd, time: Self.t0 + Self.threeDays, price: 9.9),
        ]
        ticks += (1...150).map { Tick(asset: Self.eurusd, time: Self.t0 + Double($0), price: 1.1 + Double($0) * 1e-5) }
        let updates = Self.feed(&former, ticks)
        #expect(updates[2].isEmpty)
        #expect(former.stats.aheadOfStream == 1)
        #expect(former.stats.lateDropped == 0)
        // Every later tick updated its candle, the last one in the minute of t0 + 150.
        #expect(updates[3...].allSatisfy { $0.count == 1 })
        let forming = former.forming(asset: Self.eurusd, timeframe: .oneMinute)
        #expect(forming?.start == Timeframe.oneMinute.start(of: Self.t0 + 150))
        #expect(forming?.high ?? 0 < 2)
    }

    @Test("a jump confirmed by the next tick is taken: a gap in a recording costs one tick, counted")
    func confirmedJumpIsTaken() {
        var former = CandleFormer(timeframes: [.oneMinute])
        let later = Self.t0 + 7_200
        let updates = Self.feed(
            &former,
            [
                Tick(asset: Self.eurusd, time: Self.t0, price: 1.1),
                Tick(asset: Self.gbpusd, time: later, price: 1.3),
                Tick(asset: Self.eurusd, time: later + 1, price: 1.2),
                Tick(asset: Self.gbpusd, time: later + 2, price: 1.31),
            ])
        #expect(updates.map(\.count) == [1, 0, 1, 1])
        #expect(former.stats.aheadOfStream == 1)
        #expect(former.forming(asset: Self.gbpusd, timeframe: .oneMinute)?.close == 1.31)
    }

    @Test("a refused jump is forgotten once a tick within the stream's clock comes")
    func pendingJumpIsForgotten() {
        var former = CandleFormer(timeframes: [.oneMinute])
        let updates = Self.feed(
            &former,
            [
                Tick(asset: Self.eurusd, time: Self.t0, price: 1.1),
                Tick(asset: Self.eurusd, time: Self.t0 + Self.threeDays, price: 9.9),
                Tick(asset: Self.eurusd, time: Self.t0 + 1, price: 1.1),
                Tick(asset: Self.gbpusd, time: Self.t0 + Self.threeDays + 1, price: 9.9),
                Tick(asset: Self.eurusd, time: Self.t0 + 2, price: 1.1),
            ])
        #expect(updates.map(\.count) == [1, 0, 1, 0, 1])
        #expect(former.stats.aheadOfStream == 2)
    }

    @Test("a history snapshot moves the stream's clock: the first live tick after a reconnect is taken")
    func historyMovesTheClock() {
        var former = CandleFormer(timeframes: [.oneMinute])
        _ = Self.feed(&former, [Tick(asset: Self.eurusd, time: Self.t0, price: 1.1)])
        let later = Self.t0 + 7_200
        former.seed(
            HistorySnapshot(
                source: .updateHistoryNewFast, asset: Self.gbpusd, period: nil,
                ticks: [PricePoint(time: later - 1, price: 1.3)], candles: [])
        ) { _ in }
        let updates = Self.feed(&former, [Tick(asset: Self.eurusd, time: later, price: 1.2)])
        #expect(updates.map(\.count) == [1])
        #expect(former.stats.aheadOfStream == 0)
    }

    @Test("ticks within the tolerance ahead are ordinary ticks")
    func smallStepsAreOrdinary() {
        var former = CandleFormer(timeframes: [.oneMinute])
        let ticks = (0..<100).map {
            Tick(asset: Self.eurusd, time: Self.t0 + Double($0) * (MarketLimits.futureTolerance - 1), price: 1.1)
        }
        let updates = Self.feed(&former, ticks)
        #expect(updates.allSatisfy { $0.count == 1 })
        #expect(former.stats.aheadOfStream == 0)
    }
}
