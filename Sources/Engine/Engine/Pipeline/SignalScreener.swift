import Archive
import Candles
import FastDecode
import Signals

/// The screener: a pipeline sink that runs the signal engine on every closed candle of every
/// asset × formed timeframe (whether or not a client is connected) and writes each signal and
/// result to the journal under the data directory. Everything runs on the engine thread, with no
/// lock: candle events come in batches, a closed candle costs one push per evaluation.
///
/// The pipeline has one sink: the screener forwards every batch to `next` first (the server, a
/// printer). Journal chunks are written as records come (one `pwrite` per record) and closed
/// without fsync, so a slow disk is never waited on per candle.
package final class SignalScreener: PipelineSink {
    /// The engine.
    package private(set) var engine: SignalEngine!
    /// Receives the batches first.
    package var next: (any PipelineSink)?
    /// Called with each signal event on the engine thread, after the journal (live delivery).
    package var onEvent: ((SignalEvent) -> Void)?
    /// Journal write errors (each loses one record).
    package private(set) var journalErrors = 0
    private let journal: SignalJournalWriter?
    private let assets: AssetDirectory

    /// A screener for `specs`; `dataDirectory` nil keeps no journal; `window`: candles before a
    /// strategy's first decision (``SignalEngine/window``).
    package init(
        specs: [SignalSpec], assets: AssetDirectory, dataDirectory: String?, limits: SignalLimits = SignalLimits(),
        expiryCandles: Int = 1, defaultPayout: Double = 0.8, payoutInForce: @escaping PayoutInForce = noPayoutTape,
        window: Int = 50
    ) throws(SignalSpecError) {
        self.assets = assets
        journal = dataDirectory.map { SignalJournalWriter(directory: $0, durable: false) }
        engine = try SignalEngine(
            specs: specs, limits: limits, window: window, expiryCandles: expiryCandles, defaultPayout: defaultPayout,
            payoutInForce: payoutInForce
        ) { [unowned self] event in self.record(event) }
    }

    /// Feeds the closed candles of a batch.
    package func pipeline(candleEvents: [CandleEvent]) {
        next?.pipeline(candleEvents: candleEvents)
        let engine = self.engine!
        let assets = self.assets
        for event in candleEvents {
            // A revised candle newer than its stream's last one is a closed candle seen first
            // through history; older ones (late ticks, history) are ignored by the engine.
            let c: Candle
            switch event {
            case .closed(let x), .revised(let x): c = x
            case .updated: continue
            }
            engine.candleClosed(
                asset: c.asset.rawValue, name: assets.name(of: c.asset), timeframe: c.timeframe.seconds,
                start: c.start, open: c.open, high: c.high, low: c.low, close: c.close)
        }
    }

    /// Forwards the chart focus.
    package func pipeline(chart: ChartFocus) { next?.pipeline(chart: chart) }

    /// Closes the journal's chunks (after the pipeline has finished).
    package func close() throws(ArchiveError) { try journal?.close() }

    private func record(_ event: SignalEvent) {
        if let journal {
            do {
                switch event {
                case .signal(let s): try journal.append(SignalRecord(s))
                case .result(let r): try journal.append(SignalRecord(r))
                }
            } catch {
                journalErrors += 1
            }
        }
        onEvent?(event)
    }
}
