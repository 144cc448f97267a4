import Backtest
import Indicators

/// Runs strategies on closed candles: one evaluation per (asset, timeframe, strategy), shared by
/// every consumer of its events, and scores each signal at expiry (``FillRule/live``).
///
/// Not thread-safe: feed it from one thread (the engine thread). Per closed candle it pushes the
/// candle into the stream's evaluations and settles the stream's due signals; it allocates only
/// for a new stream and for a signal (its indicator list).
package final class SignalEngine {
    /// What the engine has done.
    package struct Counters: Sendable, Equatable {
        /// Closed candles taken in.
        package var candles = 0
        /// Candles older than or equal to their stream's last one (revisions), ignored.
        package var outOfOrder = 0
        /// Signals emitted.
        package var signals = 0
        /// Signals scored.
        package var results = 0
        /// Scored signals that won.
        package var wins = 0
        /// Evaluations not created because ``SignalLimits/maxEvaluations`` was reached.
        package var refusedEvaluations = 0
        /// Signals dropped because ``SignalLimits/maxPendingSignals`` were waiting.
        package var droppedSignals = 0
        /// Times a stream's evaluations restarted from the kept candles after older candles
        /// arrived: once per run of older candles (a history snapshot), before the next newer one.
        package var rebuilds = 0
        /// Live evaluations.
        package var evaluations = 0
        /// Signals waiting for their expiry.
        package var pending = 0
    }

    struct StreamKey: Hashable {
        var asset: UInt32
        var timeframe: Int
    }

    // Streams are only reached from the engine's one thread: their state is read and written
    // per closed candle without dynamic exclusivity checks.
    final class Stream {
        let asset: String
        let timeframe: Int
        @exclusivity(unchecked) var evaluations: [(spec: Int, evaluator: any SignalEvaluator)]
        @exclusivity(unchecked) var lastStart = Int64.min
        @exclusivity(unchecked) var lastClose = 0.0
        @exclusivity(unchecked) var pending: [Signal] = []
        @exclusivity(unchecked) var pendingHead = 0
        /// The last closed candles (at most ``SignalLimits/keptCandles``): a ring once full,
        /// oldest at `keptHead`, so keeping a candle costs no shift.
        @exclusivity(unchecked) var kept: [AnalysisCandle] = []
        @exclusivity(unchecked) var keptHead = 0
        /// Older candles were put among the kept ones since the evaluations last saw them: the
        /// evaluations restart from the kept candles before the next newer candle (one rebuild
        /// for a whole history snapshot, not one per candle).
        @exclusivity(unchecked) var needsRebuild = false

        /// Keeps `c` (newer than every kept candle), dropping the oldest when `limit` are kept.
        func keep(_ c: AnalysisCandle, limit: Int) {
            if kept.count < limit {
                kept.append(c)
            } else {
                kept[keptHead] = c
                keptHead = keptHead + 1 == kept.count ? 0 : keptHead + 1
            }
        }

        /// The kept candles oldest first, as a plain array (the ring unrolled).
        func unrollKept() {
            if keptHead != 0 {
                kept = Array(kept[keptHead...] + kept[..<keptHead])
                keptHead = 0
            }
        }

        init(asset: String, timeframe: Int, evaluations: [(spec: Int, evaluator: any SignalEvaluator)]) {
            self.asset = asset
            self.timeframe = timeframe
            self.evaluations = evaluations
        }
    }

    /// The strategies (a retired one keeps its slot until a new one takes it: SignalEngine+Runtime.swift).
    package internal(set) var specs: [SignalSpec]
    /// The bounds.
    package let limits: SignalLimits
    /// Candles before a strategy's first decision (the backtest's `--window`).
    package let window: Int
    /// Expiry in candles of the signal's timeframe.
    package let expiryCandles: Int
    /// Payout for results when none is in force.
    package let defaultPayout: Double
    /// What the engine has done.
    @exclusivity(unchecked) package internal(set) var counters = Counters()

    private let payoutInForce: PayoutInForce
    private let onEvent: (SignalEvent) -> Void
    @exclusivity(unchecked) var streams: [StreamKey: Stream] = [:]
    /// Slots of ``specs`` no longer evaluated (``removeSpec(label:timeframe:)``).
    var retired = Set<Int>()
    @exclusivity(unchecked) private var nextID: UInt64 = 1

    /// An engine for `specs` (at most `limits.maxSpecs`), reporting every signal and result to
    /// `onEvent` on the feeding thread.
    package init(
        specs: [SignalSpec], limits: SignalLimits = SignalLimits(), window: Int = 50, expiryCandles: Int = 1,
        defaultPayout: Double = 0.8, payoutInForce: @escaping PayoutInForce = noPayoutTape,
        onEvent: @escaping (SignalEvent) -> Void
    ) throws(SignalSpecError) {
        if specs.count > limits.maxSpecs {
            throw SignalSpecError("too many signal specs: \(specs.count) (at most \(limits.maxSpecs))")
        }
        if expiryCandles < 1 { throw SignalSpecError("expiry must be at least 1 candle, got \(expiryCandles)") }
        if !(defaultPayout.isFinite && defaultPayout >= 0) {
            throw SignalSpecError("payout must be a number >= 0, got \(defaultPayout)")
        }
        self.specs = specs
        self.limits = limits
        self.window = Swift.max(1, window)
        self.expiryCandles = expiryCandles
        self.defaultPayout = defaultPayout
        self.payoutInForce = payoutInForce
        self.onEvent = onEvent
    }

    /// Takes a closed candle of `asset` (a stable key; `name` is asked once per new stream) on a
    /// `timeframe`-second period starting at `start`. Settles the stream's signals that expire by
    /// the candle's end, then lets each evaluation decide on it.
    package func candleClosed(
        asset: UInt32, name: @autoclosure () -> String, timeframe: Int, start: Int64,
        open: Double, high: Double, low: Double, close: Double
    ) {
        counters.candles += 1
        let key = StreamKey(asset: asset, timeframe: timeframe)
        let stream: Stream
        if let s = streams[key] {
            stream = s
        } else {
            stream = makeStream(key, name: name())
        }
        let candle = AnalysisCandle(
            timestamp: Double(start), open: open, high: high, low: low, close: close, volume: 1000)
        guard start > stream.lastStart else {
            counters.outOfOrder += 1
            revise(stream, with: candle)
            return
        }
        let end = start + Int64(timeframe)
        settle(stream, end: end, close: close)
        stream.lastStart = start
        stream.lastClose = close
        if stream.evaluations.isEmpty { return }
        if stream.needsRebuild { rebuild(stream) }
        if limits.keptCandles > 0 { stream.keep(candle, limit: limits.keptCandles) }
        for k in stream.evaluations.indices {
            guard let decision = stream.evaluations[k].evaluator.push(candle) else { continue }
            emit(decision, spec: stream.evaluations[k].spec, stream: stream, time: end, price: close)
        }
    }

    func makeStream(_ key: StreamKey, name: String) -> Stream {
        var evaluations: [(spec: Int, evaluator: any SignalEvaluator)] = []
        for (k, spec) in specs.enumerated()
        where !retired.contains(k) && (spec.timeframe == nil || spec.timeframe == key.timeframe) {
            if counters.evaluations >= limits.maxEvaluations {
                counters.refusedEvaluations += 1
                continue
            }
            evaluations.append((k, spec.makeEvaluator(window: window)))
            counters.evaluations += 1
        }
        let stream = Stream(asset: name, timeframe: key.timeframe, evaluations: evaluations)
        streams[key] = stream
        return stream
    }

    /// An older (or revised) candle: put it among the kept candles; the stream's evaluations
    /// restart on them (without signals for the past windows) before its next newer candle.
    private func revise(_ stream: Stream, with candle: AnalysisCandle) {
        guard !stream.evaluations.isEmpty, limits.keptCandles > 0 else { return }
        stream.unrollKept()
        var i = stream.kept.count
        while i > 0 && stream.kept[i - 1].timestamp > candle.timestamp { i -= 1 }
        if i > 0 && stream.kept[i - 1].timestamp == candle.timestamp {
            stream.kept[i - 1] = candle
        } else {
            if stream.kept.count >= limits.keptCandles {
                if i == 0 { return }  // older than every kept candle
                stream.kept.removeFirst()
                i -= 1
            }
            stream.kept.insert(candle, at: i)
        }
        stream.needsRebuild = true
        if let last = stream.kept.last { stream.lastClose = last.close }
    }

    /// Restarts the stream's evaluations on its kept candles (oldest first; ``revise(_:with:)``
    /// left them unrolled), taking them in without deciding.
    private func rebuild(_ stream: Stream) {
        stream.needsRebuild = false
        stream.unrollKept()
        counters.rebuilds += 1
        for k in stream.evaluations.indices {
            let evaluator = specs[stream.evaluations[k].spec].makeEvaluator(window: window)
            for c in stream.kept { evaluator.warm(c) }
            stream.evaluations[k].evaluator = evaluator
        }
    }

    func settle(_ stream: Stream, end: Int64, close: Double) {
        while stream.pendingHead < stream.pending.count {
            let signal = stream.pending[stream.pendingHead]
            let expiry = signal.expiryTime
            if expiry > end { break }
            // The price at expiry: this candle's close when it ends at expiry, else (a gap) the
            // close of the stream's previous candle, which ended before expiry.
            let exit = expiry == end ? close : stream.lastClose
            let result = SignalResult(signal: signal, exitPrice: exit, defaultPayout: defaultPayout)
            stream.pendingHead += 1
            counters.pending -= 1
            counters.results += 1
            if result.won { counters.wins += 1 }
            onEvent(.result(result))
        }
        if stream.pendingHead > 0 && stream.pendingHead == stream.pending.count {
            stream.pending.removeAll(keepingCapacity: true)
            stream.pendingHead = 0
        } else if stream.pendingHead > 64 && stream.pendingHead * 2 > stream.pending.count {
            stream.pending.removeFirst(stream.pendingHead)
            stream.pendingHead = 0
        }
    }

    private func emit(_ decision: SignalDecision, spec: Int, stream: Stream, time: Int64, price: Double) {
        if counters.pending >= limits.maxPendingSignals {
            counters.droppedSignals += 1
            return
        }
        let signal = Signal(
            id: nextID, asset: stream.asset, timeframe: stream.timeframe, strategy: specs[spec].label, time: time,
            direction: decision.direction, entryPrice: price, expiry: stream.timeframe * expiryCandles,
            confidence: decision.confidence, payout: payoutInForce(stream.asset, time),
            indicators: decision.indicators)
        nextID += 1
        stream.pending.append(signal)
        counters.pending += 1
        counters.signals += 1
        onEvent(.signal(signal))
    }
}
