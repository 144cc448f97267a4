import Candles
import FastDecode
import Indicators
import TextWriters

/// The worker's part of `subscribe_indicators`: the indicator values over the history the server
/// sends for the pair (`indicator_history`), and the seeded state a new computation starts from.
enum LiveIndicatorHistory {
    /// Runs `specs` over `history` (oldest first; its last candle counts as still forming).
    /// - Returns: the seed (closed candles committed, the last one forming) and the
    ///   `indicator_history` payload `{asset, timeframe, outputs, history:[{timestamp, values}],
    ///   count, source, timestamp}` (one row per history candle; null before the lookback).
    static func compute(
        _ history: CandleHistory, specs: [IndicatorSpec], asset: String,
        timeframe: Timeframe
    ) -> (seed: LiveIndicatorSeed, payload: [UInt8]) {
        var set = IndicatorSet(specs)
        let columns = set.columns
        var row = [Double](repeating: .nan, count: columns.count)
        var w = JSONWriter(capacity: 160 + history.candles.count * (24 + columns.count * 28))
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(timeframe.description)
        w.raw(",\"outputs\":[")
        for (i, name) in columns.enumerated() {
            if i > 0 { w.comma() }
            w.string(name)
        }
        w.raw("],\"history\":[")
        var forming: AnalysisCandle?
        var rows = 0
        for candle in history.candles {
            let c = AnalysisCandle(live: candle)
            if let f = forming {
                guard c.timestamp > f.timestamp else { continue }  // not newer: skipped, as live
                set.push(f, into: &row)
            }
            forming = c
            set.preview(c, into: &row)
            if rows > 0 { w.comma() }
            rows += 1
            w.raw("{\"timestamp\":"); w.integer(candle.start)
            w.raw(",\"values\":{")
            for (j, name) in columns.enumerated() {
                if j > 0 { w.comma() }
                w.string(name); w.raw(":"); w.number(row[j])
            }
            w.raw("}}")
        }
        w.raw("],\"count\":"); w.integer(rows)
        w.raw(",\"source\":"); w.string(history.source)
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock())
        w.raw("}")
        return (LiveIndicatorSeed(set: set, forming: forming), w.bytes)
    }
}
