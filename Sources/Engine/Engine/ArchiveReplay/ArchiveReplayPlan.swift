import Archive
import FastDecode
import Foundation
import TextWriters

/// What `qflux stream --replay-archive DIR [--from T] [--to T]` serves, read from the archive
/// before the server starts (so a missing archive or an empty range is one clear error):
/// every archived tick in [from, to] in time order, the candles before `from` that seed the
/// candle former as history, and the archived payouts (kind `payouts`).
package struct ArchiveReplayPlan: Sendable {
    /// A recorded tick: index into ``assets``, broker time, price.
    package struct RecordedTick: Sendable, Equatable {
        package var asset: Int
        package var time: Double
        package var price: Double
    }

    /// A recorded payout change: index into ``assets``, time, percent.
    package struct RecordedPayout: Sendable, Equatable {
        package var asset: Int
        package var time: Double
        package var percent: Double
    }

    /// The most ticks a replay holds in memory (24 bytes each: ~1.2 GB); a larger range is refused
    /// with a request to narrow it with --from/--to.
    package static let maxTicks = 50_000_000
    /// Seed candles per asset at most (the latest before `from`).
    package static let maxSeedCandles = 1000
    /// The timeframe of seed candles (formed from archived ticks when no 1 m candles were archived).
    package static let seedTimeframeSeconds = 60

    /// Asset names (broker spelling), in order of first appearance in the archive's index.
    package var assets: [String]
    /// Ticks in [from, to], sorted by time (ties in archive order).
    package var ticks: [RecordedTick]
    /// 1 m candles before `from`, oldest first, by asset index.
    package var seeds: [Int: [BrokerCandle]]
    /// Payout changes, sorted by time.
    package var payouts: [RecordedPayout]

    /// The failures a plan reports, each one line for the CLI.
    package struct LoadError: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Reads the archive under `directory`. Throws when it is not an archive, holds no ticks, or
    /// holds none in [from, to]; `from` after `to` is refused too.
    package static func load(directory: String, from: Double?, to: Double?) throws -> ArchiveReplayPlan {
        if let from, let to, from > to {
            throw LoadError(description: "--from is after --to")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoadError(description: "--replay-archive \(directory): no such directory")
        }
        let index: ArchiveIndex
        do {
            index = try ArchiveIndex.scan(directory: directory)
        } catch {
            throw LoadError(description: "--replay-archive \(directory): \(error)")
        }
        let reader = try ArchiveReader()
        var assets: [String] = []
        var assetIndex: [String: Int] = [:]
        func id(_ name: String) -> Int {
            if let i = assetIndex[name] { return i }
            assets.append(name)
            assetIndex[name] = assets.count - 1
            return assets.count - 1
        }
        let lower = from ?? -.infinity, upper = to ?? .infinity
        var ticks: [RecordedTick] = []
        var before: [Int: [TickRecord]] = [:]  // ticks before `from`, for seeds when no candles were archived
        var payouts: [RecordedPayout] = []
        var seeds: [Int: [BrokerCandle]] = [:]
        for series in index.series {
            let a = id(series.asset)
            for chunk in series.chunks {
                switch series.kind {
                case .ticks:
                    _ = try reader.scan(
                        chunk.path,
                        ticks: { t in
                            if t.time >= lower && t.time <= upper {
                                ticks.append(RecordedTick(asset: a, time: t.time, price: t.price))
                            } else if t.time < lower {
                                before[a, default: []].append(t)
                            }
                        }, candles: { _ in })
                    if ticks.count > maxTicks {
                        throw LoadError(
                            description:
                                "--replay-archive \(directory): more than \(maxTicks) ticks in the range; narrow it with --from/--to"
                        )
                    }
                case .payouts:
                    _ = try reader.scan(
                        chunk.path,
                        ticks: { p in
                            if p.time <= upper {
                                payouts.append(RecordedPayout(asset: a, time: p.time, percent: p.price))
                            }
                        }, candles: { _ in })
                case .candles where series.timeframeSeconds == seedTimeframeSeconds && from != nil:
                    var list: [BrokerCandle] = []
                    _ = try reader.scan(
                        chunk.path, ticks: { _ in },
                        candles: { c in
                            if Double(c.start) + Double(seedTimeframeSeconds) <= lower {
                                list.append(
                                    BrokerCandle(
                                        time: Double(c.start), open: c.open, high: c.high, low: c.low, close: c.close))
                            }
                        })
                    seeds[a, default: []] += list
                case .candles, .signals:
                    continue  // the journal is not replayed: a replay's screener journals anew
                }
            }
        }
        guard !ticks.isEmpty else {
            let anyTicks = index.series.contains { $0.kind == .ticks && $0.records > 0 }
            throw LoadError(
                description: anyTicks
                    ? "--replay-archive \(directory): no ticks between \(from.map { UTCTime.iso8601(seconds: Int64($0)) } ?? "the start") and \(to.map { UTCTime.iso8601(seconds: Int64($0)) } ?? "the end")"
                    : "--replay-archive \(directory): the archive holds no ticks (record with --collect-stream tick or both)"
            )
        }
        ticks = ticks.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        payouts.sort { $0.time < $1.time }
        // Seeds: archived 1 m candles (the last revision of each start wins), else formed from ticks.
        for (a, candles) in seeds {
            var byStart: [Double: BrokerCandle] = [:]
            for c in candles { byStart[c.time] = c }
            seeds[a] = Array(byStart.values.sorted { $0.time < $1.time }.suffix(maxSeedCandles))
        }
        for (a, list) in before where seeds[a] == nil {
            seeds[a] = Array(formCandles(list, below: lower).suffix(maxSeedCandles))
        }
        return ArchiveReplayPlan(
            assets: assets, ticks: ticks, seeds: seeds.filter { !$0.value.isEmpty }, payouts: payouts)
    }

    /// 1 m candles of ticks (any order) that close at or before `below`.
    static func formCandles(_ ticks: [TickRecord], below: Double) -> [BrokerCandle] {
        let tf = Double(seedTimeframeSeconds)
        var out: [BrokerCandle] = []
        for t in ticks.sorted(by: { $0.time < $1.time }) {
            let start = (t.time / tf).rounded(.down) * tf
            guard start + tf <= below else { continue }
            if var last = out.last, last.time == start {
                last.high = max(last.high, t.price)
                last.low = min(last.low, t.price)
                last.close = t.price
                out[out.count - 1] = last
            } else {
                out.append(BrokerCandle(time: start, open: t.price, high: t.price, low: t.price, close: t.price))
            }
        }
        return out
    }
}
