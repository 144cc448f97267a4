import FastDecode
import Foundation

@testable import Archive
@testable import Candles
@testable import Demo
@testable import Engine
@testable import SocketIOServer

/// Seeded random numbers (the engine's SplitMix64) so failures reproduce.
typealias SeededRandom = SplitMix64

/// Identifies a candle.
struct CandleKey: Hashable, CustomStringConvertible {
    var asset: UInt32
    var period: Int
    var start: Int64
    var description: String { "a\(asset)/\(period)s@\(start)" }
}

/// An independent model of the candle policy: decide which ticks each timeframe accepts
/// (a simple rule on the newest time seen so far), then group accepted ticks by
/// floor(t / period), stable-sort each group by time and read OHLC off it.
enum CandleOracle {
    static func candles(_ ticks: [Tick], timeframes: [Timeframe], window: LatenessWindow) -> [CandleKey: Candle] {
        var out: [CandleKey: Candle] = [:]
        for tf in timeframes {
            let period = Double(tf.seconds)
            func floorStart(_ t: Double) -> Int64 { Int64((t / period).rounded(.down)) * Int64(tf.seconds) }
            var newest: [UInt32: Double] = [:]
            var groups: [CandleKey: [(t: Double, p: Double)]] = [:]
            for tick in ticks {
                let a = tick.asset.rawValue
                let maxT = max(newest[a] ?? -.infinity, tick.time)
                newest[a] = maxT
                let s = floorStart(tick.time)
                let formingStart = floorStart(maxT)
                let accepted: Bool
                switch window {
                case .candles(let n): accepted = s >= formingStart - Int64(n * tf.seconds)
                case .seconds(let w): accepted = s >= formingStart || tick.time >= maxT - w
                }
                if accepted {
                    groups[CandleKey(asset: a, period: tf.seconds, start: s), default: []].append(
                        (tick.time, tick.price))
                }
            }
            for (key, points) in groups {
                // Swift's sort is not guaranteed stable: sort indices with the index as tiebreak.
                let sorted = points.enumerated().sorted {
                    $0.element.t != $1.element.t ? $0.element.t < $1.element.t : $0.offset < $1.offset
                }.map(\.element)
                out[key] = Candle(
                    asset: AssetID(rawValue: key.asset), timeframe: tf, start: key.start,
                    open: sorted.first!.p, high: sorted.map(\.p).max()!, low: sorted.map(\.p).min()!,
                    close: sorted.last!.p, ticks: sorted.count)
            }
        }
        return out
    }
}

/// Applies events the way a subscriber or archive would, checking their ordering rules.
struct EventReplay {
    var candles: [CandleKey: Candle] = [:]
    var lastClosed: [CandleKey: Int64] = [:]  // key with start 0 → newest closed start
    var closedOutOfOrder = 0
    var counts = (updated: 0, closed: 0, revised: 0)

    mutating func apply(_ e: CandleEvent) {
        let c = e.candle
        let key = CandleKey(asset: c.asset.rawValue, period: c.timeframe.seconds, start: c.start)
        candles[key] = c
        switch e {
        case .updated: counts.updated += 1
        case .revised: counts.revised += 1
        case .closed:
            counts.closed += 1
            let series = CandleKey(asset: key.asset, period: key.period, start: 0)
            if let last = lastClosed[series], last >= c.start { closedOutOfOrder += 1 }
            lastClosed[series] = c.start
        }
    }
}

extension CandleFormer {
    /// Every kept candle (closed and forming) keyed for comparison with the oracle.
    func allCandles() -> [CandleKey: Candle] {
        var out: [CandleKey: Candle] = [:]
        for a in 0..<assetCount {
            for tf in timeframes {
                for c in recentCandles(asset: AssetID(rawValue: UInt32(a)), timeframe: tf) {
                    out[CandleKey(asset: UInt32(a), period: tf.seconds, start: c.start)] = c
                }
            }
        }
        return out
    }
}

/// Shorthand for tests.
func tick(_ asset: UInt32 = 0, _ time: Double, _ price: Double) -> Tick {
    Tick(asset: AssetID(rawValue: asset), time: time, price: price)
}
