import Archive
import Candles
import FastDecode
import Indicators
import Signals
import Synchronization

/// The screener: a pipeline sink that runs the signal engine on every closed candle of every
/// asset × formed timeframe (whether or not a client is connected) and writes each signal and
/// result to the journal under the data directory. Everything runs on the engine thread, with no
/// lock: candle events come in batches, a closed candle costs one push per evaluation.
///
/// On-demand evaluations (``OnDemandSignals``, `subscribe_signals` on a strategy not screened)
/// are added to the same engine after a batch and seeded from the recent candles; their signals
/// go to subscribers only: the journal keeps what `--signals` asked to collect. Without any spec
/// evaluated the batches only pass through.
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
    /// The screened specs (`--signals`): only their events are journaled.
    private let journaled: [(label: String, timeframe: Int?)]
    /// The on-demand evaluations' queue, once ``enableOnDemand(recent:)`` was called.
    private var onDemand: OnDemandSignals?

    /// A screener for `specs`; `dataDirectory` nil keeps no journal; `window`: candles before a
    /// strategy's first decision (``SignalEngine/window``).
    package init(
        specs: [SignalSpec], assets: AssetDirectory, dataDirectory: String?, limits: SignalLimits = SignalLimits(),
        expiryCandles: Int = 1, defaultPayout: Double = 0.8, payoutInForce: @escaping PayoutInForce = noPayoutTape,
        window: Int = 50
    ) throws(SignalSpecError) {
        self.assets = assets
        journaled = specs.map { ($0.label, $0.timeframe) }
        journal = dataDirectory.map { SignalJournalWriter(directory: $0, durable: false) }
        engine = try SignalEngine(
            specs: specs, limits: limits, window: window, expiryCandles: expiryCandles, defaultPayout: defaultPayout,
            payoutInForce: payoutInForce
        ) { [unowned self] event in self.record(event) }
    }

    /// Feeds the closed candles of a batch.
    package func pipeline(candleEvents: [CandleEvent]) {
        next?.pipeline(candleEvents: candleEvents)
        defer { if let onDemand { takeOnDemand(onDemand) } }
        let engine = self.engine!
        guard engine.activeSpecCount > 0 else { return }
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

    /// Lets `subscribe_signals` start evaluations of strategies not screened (before the pipeline
    /// starts): the control the server calls, seeding from `recent`.
    package func enableOnDemand(recent: RecentCandleStore) -> OnDemandSignals {
        let control = OnDemandSignals(
            limits: engine.limits, screenedSpecs: engine.specs.count, recent: recent, assets: assets)
        onDemand = control
        return control
    }

    /// After a batch: applies queued starts and stops, publishes the evaluation count.
    private func takeOnDemand(_ control: OnDemandSignals) {
        if control.hasCommands.load(ordering: .acquiring) {
            for command in control.take() {
                switch command {
                case .start(let spec): start(spec, recent: control.recent)
                case .stop(let label, let timeframe): engine.removeSpec(label: label, timeframe: timeframe)
                }
            }
        }
        control.evaluations.store(engine.counters.evaluations, ordering: .relaxed)
    }

    /// Adds an on-demand spec and seeds its evaluation of every asset from the recent closed
    /// candles (at most ``SignalLimits/keptCandles`` each), so it decides from the next one.
    private func start(_ spec: SignalSpec, recent: RecentCandleStore) {
        guard let slot = try? engine.addSpec(spec), let seconds = spec.timeframe else { return }
        let timeframe = Timeframe(seconds: seconds)
        for raw in 0..<assets.count {
            let id = AssetID(rawValue: UInt32(raw))
            let closed = recent.closedCandles(asset: id, timeframe: timeframe, limit: engine.limits.keptCandles)
            guard !closed.isEmpty else { continue }
            engine.seed(
                spec: slot, asset: id.rawValue, name: assets.name(of: id), timeframe: seconds,
                candles: closed.map {
                    AnalysisCandle(
                        timestamp: Double($0.start), open: $0.open, high: $0.high, low: $0.low, close: $0.close,
                        volume: 1000)
                })
        }
    }

    /// Whether `event` comes from a screened spec (on-demand ones are not journaled).
    private func isJournaled(_ event: SignalEvent) -> Bool {
        let s: Signal
        switch event {
        case .signal(let x): s = x
        case .result(let r): s = r.signal
        }
        return journaled.contains { $0.label == s.strategy && ($0.timeframe == nil || $0.timeframe == s.timeframe) }
    }

    private func record(_ event: SignalEvent) {
        if let journal, isJournaled(event) {
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
