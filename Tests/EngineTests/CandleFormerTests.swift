import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import Demo
@testable import Engine
@testable import SocketIOServer

@Suite("CandleFormer")
struct CandleFormerTests {
    static let m = Timeframe.oneMinute
    /// A minute boundary: 1756869600 = 29281160 · 60.
    static let t0 = 1_756_869_600.0

    func run(_ former: inout CandleFormer, _ ticks: [Tick]) -> [CandleEvent] {
        var events: [CandleEvent] = []
        for t in ticks { former.add(t) { events.append($0) } }
        return events
    }

    @Test func openHighLowCloseAndOutOfOrderInsideTheFormingCandle() {
        var f = CandleFormer()
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 10, 1.0), tick(0, t0 + 20, 2.0)])
        // Older than the latest tick, same period: widens high, counts, leaves close.
        _ = run(&f, [tick(0, t0 + 15, 3.0)])
        var c = f.forming(asset: AssetID(rawValue: 0), timeframe: Self.m)!
        #expect((c.open, c.high, c.low, c.close, c.ticks) == (1.0, 3.0, 1.0, 2.0, 3))
        #expect(f.stats.outOfOrder == 1)
        // Earlier than the first tick: becomes the open.
        _ = run(&f, [tick(0, t0 + 5, 0.5)])
        c = f.forming(asset: AssetID(rawValue: 0), timeframe: Self.m)!
        #expect((c.open, c.low, c.close, c.ticks) == (0.5, 0.5, 2.0, 4))
        // Same time as the latest tick: arrival order decides, the later one closes.
        _ = run(&f, [tick(0, t0 + 20, 4.0)])
        c = f.forming(asset: AssetID(rawValue: 0), timeframe: Self.m)!
        #expect((c.high, c.close, c.ticks) == (4.0, 4.0, 5))
        #expect(c.start == Int64(t0))
    }

    @Test func boundaryTickOpensTheNextCandleAndClosesThePrevious() {
        var f = CandleFormer()
        let t0 = Self.t0
        let events = run(&f, [tick(0, t0 + 59.999, 1.0), tick(0, t0 + 60.0, 2.0)])
        #expect(events.count == 3)
        guard events.count == 3 else { return }
        #expect(
            events[0] == .updated(Candle(asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0), price: 1.0)))
        #expect(
            events[1] == .closed(Candle(asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0), price: 1.0)))
        #expect(
            events[2]
                == .updated(Candle(asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0) + 60, price: 2.0)))
        #expect(f.stats.closed == 1)
    }

    @Test func gapsProduceNoEmptyCandles() {
        // A lone tick after a 17-minute gap would need confirming (CandleStreamClockTests): off here.
        var f = CandleFormer(timeframes: [Self.m, Timeframe(seconds: 300)], streamJumpLimit: .infinity)
        let t0 = Self.t0
        let events = run(&f, [tick(0, t0 + 1, 1.0), tick(0, t0 + 17 * 60 + 0.25, 2.0)])
        let closed = events.filter { if case .closed = $0 { return true } else { return false } }
        #expect(closed.count == 2)  // one per timeframe
        let ones = f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m)
        #expect(ones.map(\.start) == [Int64(t0), Int64(t0) + 17 * 60])
        let fives = f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Timeframe(seconds: 300))
        #expect(fives.map(\.start) == [Int64(t0), Int64(t0) + 15 * 60])
    }

    @Test func lateTickWithinWindowRevisesClosedCandleButNotTheFormingOne() {
        var f = CandleFormer()  // window: one closed candle back
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 10, 1.0), tick(0, t0 + 70, 2.0)])
        let events = run(&f, [tick(0, t0 + 30, 5.0)])
        let revised = Candle(
            asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0),
            open: 1.0, high: 5.0, low: 1.0, close: 5.0, ticks: 2)
        #expect(events == [.revised(revised)])
        let forming = f.forming(asset: AssetID(rawValue: 0), timeframe: Self.m)!
        #expect((forming.start, forming.high, forming.ticks) == (Int64(t0) + 60, 2.0, 1))
        #expect(f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m).first == revised)
        #expect(f.stats.lateRevised == 1)
    }

    @Test func lateTickBeyondWindowIsDropped() {
        var f = CandleFormer()
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 10, 1.0), tick(0, t0 + 70, 2.0), tick(0, t0 + 130, 3.0)])
        let before = f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m)
        let events = run(&f, [tick(0, t0 + 30, 9.0)])
        #expect(events.isEmpty)
        #expect(f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m) == before)
        #expect(f.stats.lateDropped == 1)
        #expect(f.stats.lateRevised == 0)
    }

    @Test func lateTickIntoAnEmptyPeriodCreatesTheCandleAsRevised() {
        var f = CandleFormer(latenessWindow: .candles(2))
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 10, 1.0), tick(0, t0 + 130, 3.0)])
        let events = run(&f, [tick(0, t0 + 61, 2.0)])
        let created = Candle(asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0) + 60, price: 2.0)
        #expect(events == [.revised(created)])
        #expect(
            f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m).map(\.start)
                == [Int64(t0), Int64(t0) + 60, Int64(t0) + 120])
    }

    @Test func secondsWindowComparesWithTheNewestTick() {
        var f = CandleFormer(latenessWindow: .seconds(45))
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 10, 1.0), tick(0, t0 + 70, 2.0)])
        #expect(run(&f, [tick(0, t0 + 20, 3.0)]).count == 0)  // 50 s before the newest tick
        #expect(run(&f, [tick(0, t0 + 30, 4.0)]).count == 1)  // 40 s before
        #expect((f.stats.lateDropped, f.stats.lateRevised) == (1, 1))
    }

    @Test func flushClosesEveryFormingCandleAndLaterTicksAreLate() {
        var f = CandleFormer(timeframes: [Self.m, Timeframe(seconds: 5)])
        let t0 = Self.t0
        _ = run(&f, [tick(0, t0 + 1, 1.0), tick(3, t0 + 2, 2.0)])
        var events: [CandleEvent] = []
        f.flush { events.append($0) }
        #expect(events.count == 4)
        #expect(events.allSatisfy { if case .closed = $0 { return true } else { return false } })
        #expect(f.forming(asset: AssetID(rawValue: 0), timeframe: Self.m) == nil)
        // A tick of the flushed minute revises it; a tick of the next minute opens a new one.
        let late = run(&f, [tick(0, t0 + 30, 5.0)])
        #expect(
            late.contains(
                .revised(
                    Candle(
                        asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0),
                        open: 1.0, high: 5.0, low: 1.0, close: 5.0, ticks: 2))))
        let next = run(&f, [tick(0, t0 + 60, 6.0)])
        #expect(
            next.contains(
                .updated(Candle(asset: AssetID(rawValue: 0), timeframe: Self.m, start: Int64(t0) + 60, price: 6.0))))
        // flush twice emits nothing new for already closed candles.
        var again: [CandleEvent] = []
        f.flush { again.append($0) }
        f.flush { again.append($0) }
        #expect(again.count == 2)  // the two forming candles opened by t0 + 60
    }

    @Test func keepClosedBoundsMemoryAndRevisions() {
        var f = CandleFormer(latenessWindow: .candles(100), keepClosed: 3)
        let t0 = Self.t0
        _ = run(&f, (0..<10).map { tick(0, t0 + Double($0) * 60 + 1, Double($0)) })
        let kept = f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m)
        #expect(kept.map(\.start) == [6, 7, 8, 9].map { Int64(t0) + $0 * 60 })
        _ = run(&f, [tick(0, t0 + 2 * 60 + 5, 1.0)])  // within the window, but no longer kept
        #expect(f.stats.lateDropped == 1)
        _ = run(&f, [tick(0, t0 + 7 * 60 + 5, 100.0)])
        #expect(f.stats.lateRevised == 1)
        #expect(f.recentCandles(asset: AssetID(rawValue: 0), timeframe: Self.m)[1].high == 100.0)
    }

    @Test func invalidTicksAreCountedAndIgnored() {
        var f = CandleFormer()
        let events = run(&f, [tick(0, .nan, 1), tick(0, Self.t0, .infinity), tick(0, Self.t0, 1)])
        #expect(events.count == 1)
        #expect((f.stats.invalid, f.stats.ticks) == (2, 1))
    }

    @Test func assetsAreIndependentAndGrowOnNewIds() {
        var f = CandleFormer()
        _ = run(&f, [tick(7, Self.t0 + 1, 1), tick(2, Self.t0 + 100, 2), tick(7, Self.t0 + 2, 3)])
        #expect(f.assetCount == 8)
        #expect(f.forming(asset: AssetID(rawValue: 7), timeframe: Self.m)?.ticks == 2)
        #expect(f.forming(asset: AssetID(rawValue: 2), timeframe: Self.m)?.start == Int64(Self.t0) + 60)
        #expect(f.forming(asset: AssetID(rawValue: 3), timeframe: Self.m) == nil)
        #expect(f.forming(asset: AssetID(rawValue: 7), timeframe: Timeframe(seconds: 5)) == nil)
    }

    // MARK: - Against the oracle

    /// A random stream: millisecond times, ticks exactly on boundaries, gaps of many minutes,
    /// late ticks near and far, several assets interleaved.
    static func randomStream(seed: UInt64, count: Int, assets: UInt32) -> [Tick] {
        var rng = SeededRandom(seed: seed)
        var clock: [Int64] = Array(repeating: Int64(t0) * 1000, count: Int(assets))  // ms
        var out: [Tick] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let a = UInt32.random(in: 0..<assets, using: &rng)
            var ms = clock[Int(a)]
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<70: ms += Int64.random(in: 0...1_500, using: &rng)
            case 70..<76: ms = (ms / 60_000 + 1) * 60_000  // exactly on the next minute
            case 76..<79: ms += Int64.random(in: 3...40, using: &rng) * 60_000 + Int64.random(in: 0..<1000, using: &rng)
            case 79..<90: ms -= Int64.random(in: 0...90_000, using: &rng)  // late, often within one candle
            case 90..<95: ms -= Int64.random(in: 0...900_000, using: &rng)  // late, far
            default: break  // same millisecond again
            }
            let time = Double(ms) / 1000
            if ms > clock[Int(a)] { clock[Int(a)] = ms }
            let price = Double(Int.random(in: 90_000...110_000, using: &rng)) / 100_000
            out.append(Tick(asset: AssetID(rawValue: a), time: time, price: price))
        }
        return out
    }

    @Test(arguments: [
        (UInt64(1), LatenessWindow.candles(1)),
        (UInt64(2), LatenessWindow.candles(0)),
        (UInt64(3), LatenessWindow.candles(4)),
        (UInt64(4), LatenessWindow.seconds(90)),
        (UInt64(5), LatenessWindow.seconds(0.5)),
    ])
    func matchesOracleOnRandomStreams(seed: UInt64, window: LatenessWindow) {
        let tfs = [5, 60, 300, 3600, 86400].map(Timeframe.init(seconds:))
        let ticks = Self.randomStream(seed: seed, count: 20_000, assets: 6)
        // The oracle models lateness only; the streams' lone jumps of 3–40 minutes would need
        // confirming (CandleStreamClockTests).
        var f = CandleFormer(timeframes: tfs, latenessWindow: window, keepClosed: 100_000, streamJumpLimit: .infinity)
        var replay = EventReplay()
        for t in ticks { f.add(t) { replay.apply($0) } }
        let expected = CandleOracle.candles(ticks, timeframes: tfs, window: window)
        let got = f.allCandles()
        #expect(got.count == expected.count)
        let wrong = expected.filter { got[$0.key] != $0.value }
        #expect(wrong.isEmpty, "\(wrong.count) candles differ, e.g. \(String(describing: wrong.first))")
        #expect(replay.candles == expected)
        #expect(replay.closedOutOfOrder == 0)
        let s = f.stats
        #expect(s.ticks == ticks.count)
        #expect(s.lateRevised + s.lateDropped > 0)
        #expect(expected.values.reduce(0) { $0 + $1.ticks } == ticks.count * tfs.count - s.lateDropped)
        // After a flush every candle is closed and the replayed state is unchanged.
        f.flush { replay.apply($0) }
        #expect(replay.candles == expected)
        #expect(
            tfs.allSatisfy { tf in (0..<6).allSatisfy { f.forming(asset: AssetID(rawValue: $0), timeframe: tf) == nil }
            })
    }
}
