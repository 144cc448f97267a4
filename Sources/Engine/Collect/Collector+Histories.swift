import Candles
import FastDecode
import Foundation

extension Collector {
    /// Archives every history received since the last call and appends it to `seen`.
    func absorb(_ watch: HistoryWatch, _ archiver: HistoryArchiver?, into seen: inout [ReceivedHistory]) throws {
        for h in watch.take() {
            try archiver?.archive(HistoryArchiver.candles(of: h.snapshot))
            seen.append(h)
        }
        // newest history candles the stream has shown closed since (one series each)
        for c in watch.takeClosedNewest() { try archiver?.archive([c]) }
    }

    /// The asset of the page's latest `changeSymbol`, if it sent one after the favourite click.
    func changeSymbolAsset(_ watch: HistoryWatch, after count: Int) -> String? {
        let symbol = watch.changeSymbol
        return symbol.count > count ? symbol.asset : nil
    }

    /// The first history in `histories` of period `tf` for the favourite: of the asset the page's
    /// `changeSymbol` named, or whose broker name is the label's.
    func awaited(_ tf: Timeframe, label: String, asset: String?, in histories: ArraySlice<ReceivedHistory>)
        -> ReceivedHistory?
    {
        histories.first { h in
            h.snapshot.period == tf.seconds && (h.asset == asset || CollectPlan.sameAsset(h.asset, label: label))
        }
    }

    /// Waits up to the history timeout for the history of `tf` among those arriving from
    /// `seen[from...]` on (archiving every history that arrives meanwhile); nil when none came.
    func waitForHistory(
        _ tf: Timeframe, label: String, symbolsBefore: Int, watch: HistoryWatch, archiver: HistoryArchiver?,
        seen: inout [ReceivedHistory], from: Int
    ) throws -> ReceivedHistory? {
        let deadline = Date().addingTimeInterval(configuration.historyTimeout)
        while true {
            try absorb(watch, archiver, into: &seen)
            let asset = changeSymbolAsset(watch, after: symbolsBefore)
            if let found = awaited(tf, label: label, asset: asset, in: seen[from...]) { return found }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            _ = watch.waitForArrival(seconds: min(left, 0.5))
        }
    }

    /// A table row's numbers from the history that answered it.
    func fill(_ row: inout Row, from h: ReceivedHistory, _ archiver: HistoryArchiver?) {
        let candles = HistoryArchiver.candles(of: h.snapshot)
        row.asset = PageText.clean(h.asset)  // the broker's name, from the page's frames
        row.candles = candles.count
        row.written = archiver?.written(asset: h.asset, timeframe: row.timeframe) ?? 0
        row.first = candles.first?.start
        row.last = candles.last?.start
    }
}
