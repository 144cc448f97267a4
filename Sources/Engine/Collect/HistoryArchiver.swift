import Archive
import Candles
import FastDecode
import Foundation
import Logging

/// Writes the candles of broker histories into the archive – the same chunk files `qflux stream`
/// writes, one candle series per asset and period – without repeating what is there: a candle
/// whose start is archived with the same values is skipped; one with other values is appended
/// as a revision (readers keep the last).
///
/// The newest candle of an `updateHistoryNewFast` history may be the broker's still-forming
/// candle: it is archived only once the stream shows it closed (``NewestCandleTracker``: a later
/// tick of that asset, or a history older than the latest tick).
///
/// Holds the data directory's lock (``DataDirectoryLock``) from ``init`` to ``close()``.
/// One thread (the collector's).
package final class HistoryArchiver {
    private let writer: ArchiveWriter
    private let assets: AssetDirectory
    private let directory: String
    private let index: ArchiveIndex?
    private var known: [SeriesKey: [Int64: CandleRecord]] = [:]
    private var writtenBySeries: [SeriesKey: Int] = [:]
    /// Candles written so far.
    package private(set) var written = 0
    /// Candles skipped because the archive had them already.
    package private(set) var alreadyArchived = 0

    private struct SeriesKey: Hashable {
        var asset: String
        var seconds: Int
    }

    /// Opens the archive under `directory` for writing (takes its lock; throws ``ArchiveError``
    /// with code `locked` when another writer holds it).
    package init(directory: String, assets: AssetDirectory, candleChunkSize: Int, logger: Logger) throws(ArchiveError) {
        writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(
                directory: directory, collect: .candle,
                candleChunkSize: candleChunkSize),
            assets: assets, logger: logger)
        self.assets = assets
        self.directory = directory
        index = try? ArchiveIndex.scan(directory: directory)
    }

    /// The candles of `history` this archiver stores at once: broker candles of its period, oldest
    /// first, without the newest of an `updateHistoryNewFast` history (``newestCandle(of:)``,
    /// which may be forming). Empty when the history names no period.
    package static func candles(of history: HistorySnapshot) -> [Candle] {
        var list = plausibleCandles(of: history)
        if history.source == .updateHistoryNewFast, !list.isEmpty { list.removeLast() }
        return list
    }

    /// The newest candle of an `updateHistoryNewFast` history (the one ``candles(of:)`` leaves
    /// out); nil for other histories or none.
    package static func newestCandle(of history: HistorySnapshot) -> Candle? {
        guard history.source == .updateHistoryNewFast else { return nil }
        return plausibleCandles(of: history).last
    }

    /// Every plausible candle of `history`, oldest first, one per start (the first of a start wins).
    private static func plausibleCandles(of history: HistorySnapshot) -> [Candle] {
        guard let period = history.period, period > 0 else { return [] }
        let tf = Timeframe(seconds: period)
        let list = history.candles.filter {
            MarketLimits.isSane(time: $0.time) && MarketLimits.isSane(price: $0.open)
                && MarketLimits.isSane(price: $0.high)
                && MarketLimits.isSane(price: $0.low) && MarketLimits.isSane(price: $0.close)
        }
        var seen: Set<Int64> = []
        return list.compactMap { bc in
            let start = tf.start(of: bc.time)
            guard seen.insert(start).inserted else { return nil }
            return Candle(
                asset: history.asset, timeframe: tf, start: start, open: bc.open, high: bc.high, low: bc.low,
                close: bc.close, ticks: 0)
        }
    }

    /// Archives `candles` (all of one asset and timeframe) except those already there; returns how many were written.
    @discardableResult
    package func archive(_ candles: [Candle]) throws(ArchiveError) -> Int {
        guard let first = candles.first else { return 0 }
        let key = SeriesKey(asset: assets.name(of: first.asset), seconds: first.timeframe.seconds)
        if known[key] == nil { known[key] = try existing(key) }
        var n = 0
        for c in candles {
            let record = CandleRecord(
                start: c.start, open: c.open, high: c.high, low: c.low, close: c.close, ticks: c.ticks)
            if known[key]?[c.start] == record {
                alreadyArchived += 1
                continue
            }
            try writer.append(c)
            known[key]?[c.start] = record
            n += 1
        }
        written += n
        writtenBySeries[key, default: 0] += n
        try writer.flush()
        return n
    }

    /// Candles of `asset` and `timeframe` written by this archiver so far.
    package func written(asset: String, timeframe: Timeframe) -> Int {
        writtenBySeries[SeriesKey(asset: asset, seconds: timeframe.seconds)] ?? 0
    }

    /// Closes every chunk and gives the lock up.
    package func close() throws(ArchiveError) {
        try writer.close()
    }

    /// The candles the archive held for `key` when the collector started (last revision wins).
    private func existing(_ key: SeriesKey) throws(ArchiveError) -> [Int64: CandleRecord] {
        guard let index else { return [:] }
        var out: [Int64: CandleRecord] = [:]
        let reader = try ArchiveReader()
        for series in index.series
        where series.kind == .candles && series.asset == key.asset && series.timeframeSeconds == key.seconds {
            for chunk in series.chunks {
                _ = try? reader.scan(chunk.path, ticks: { _ in }, candles: { out[$0.start] = $0 })
            }
        }
        return out
    }
}
