import Candles
import Foundation

extension Collector {
    /// Waits for the history of `tf` for the favourite, archiving every history that arrives meanwhile.
    /// The awaited history is of period `tf` and of the asset the page's last `changeSymbol` named
    /// (or whose name is the label's); nil when none came within the history timeout.
    func waitForHistory(_ tf: Timeframe, label: String, symbolsBefore: Int, watch: HistoryWatch, archiver: HistoryArchiver?,
                        row: inout Row) throws -> ReceivedHistory? {
        let deadline = Date().addingTimeInterval(configuration.historyTimeout)
        while true {
            let symbol = watch.changeSymbol
            let asset = symbol.count > symbolsBefore ? symbol.asset : nil
            if let found = try absorb(watch.take(), archiver, label: label, timeframe: tf, asset: asset, row: &row) { return found }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            _ = watch.waitForArrival(seconds: min(left, 0.5))
        }
    }

    /// Archives `histories` (none awaited: `timeframe` nil), or returns the awaited one.
    func absorb(_ histories: [ReceivedHistory], _ archiver: HistoryArchiver?, label: String,
                timeframe: Timeframe?) throws -> ReceivedHistory? {
        var row = Row(label: label, timeframe: .oneMinute, candles: 0, written: 0)
        return try absorb(histories, archiver, label: label, timeframe: timeframe, asset: nil, row: &row)
    }

    /// Archives `histories`; returns the first that is the awaited one (its numbers go into `row`).
    func absorb(_ histories: [ReceivedHistory], _ archiver: HistoryArchiver?, label: String, timeframe: Timeframe?,
                asset: String?, row: inout Row) throws -> ReceivedHistory? {
        var match: ReceivedHistory?
        for h in histories {
            let candles = HistoryArchiver.candles(of: h.snapshot)
            try archiver?.archive(candles)
            guard match == nil, let timeframe, h.snapshot.period == timeframe.seconds,
                  h.asset == asset || CollectPlan.sameAsset(h.asset, label: label) else { continue }
            match = h
            row.asset = h.asset
            row.candles = candles.count
            row.written = archiver?.written(asset: h.asset, timeframe: timeframe) ?? 0
            row.first = candles.first?.start
            row.last = candles.last?.start
        }
        return match
    }
}
