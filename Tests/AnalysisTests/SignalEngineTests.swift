import Backtest
import Foundation
import Indicators
import Signals
import Testing

/// The live signal engine against `backtest --fill live` on the same candles, signal scoring,
/// specs and limits.
@Suite("Signal engine")
struct SignalEngineTests {
    /// Candles of one asset with a few gaps (missing periods), as the candle former leaves them.
    static func candlesWithGaps(seed: UInt64, count: Int = 1500) -> [AnalysisCandle] {
        var g = CandleGenerator(seed: seed)
        let all = g.candles(count, shape: .zigzag, step: 60, t0: 1_756_000_020)
        return all.enumerated().filter { $0.offset % 97 != 13 && $0.offset % 211 != 5 }.map(\.element)
    }

    /// Feeds candles to an engine with one spec; returns the signals and results.
    static func journal(
        _ candles: [AnalysisCandle], spec: SignalSpec, expiry: Int = 1, limits: SignalLimits = SignalLimits()
    ) throws -> (signals: [Signal], results: [SignalResult], counters: SignalEngine.Counters) {
        var signals: [Signal] = []
        var results: [SignalResult] = []
        let engine = try SignalEngine(specs: [spec], limits: limits, expiryCandles: expiry) { event in
            switch event {
            case .signal(let s): signals.append(s)
            case .result(let r): results.append(r)
            }
        }
        for c in candles {
            engine.candleClosed(
                asset: 7, name: "EURUSD_otc", timeframe: 60, start: Int64(c.timestamp), open: c.open, high: c.high,
                low: c.low, close: c.close)
        }
        return (signals, results, engine.counters)
    }

    /// The backtest's trades with the live fill rule.
    static func liveBacktest(_ candles: [AnalysisCandle], strategy: any SignalStrategy, expiry: Int = 1) -> [Trade] {
        var options = BacktestOptions()
        options.fill = .live
        options.expiry = expiry
        options.period = 60
        return Backtester.run(candles: candles, strategy: strategy, options: options).trades
    }

    /// Checks journal and backtest agree trade for trade.
    static func expectSame(_ results: [SignalResult], _ trades: [Trade]) {
        #expect(results.count == trades.count)
        #expect(!trades.isEmpty)
        for (r, t) in zip(results, trades) {
            #expect(Double(r.signal.time) == t.timestamp + 60)
            #expect(r.signal.direction == t.signal)
            #expect(r.signal.entryPrice == t.entryPrice)
            #expect(r.exitPrice == t.exitPrice)
            #expect(r.won == t.won)
        }
    }

    /// Test: quantum_flux's journal equals backtest --fill live, with gaps, expiry 1 and 3.
    @Test("quantum_flux: the journal equals backtest --fill live trade for trade", arguments: [1, 3])
    func quantumFluxAgrees(expiry: Int) throws {
        let candles = Self.candlesWithGaps(seed: 11)
        let j = try Self.journal(candles, spec: SignalSpec.parse("quantum_flux"), expiry: expiry)
        Self.expectSame(j.results, Self.liveBacktest(candles, strategy: QuantumFlux(), expiry: expiry))
        #expect(j.signals.allSatisfy { $0.expiry == 60 * expiry && $0.payout == nil && $0.confidence! >= 0.6 })
        #expect(j.signals.first?.indicators.map(\.name).first == "rsi")
    }

    /// Test: quantum_flux_ta's journal equals backtest --fill live.
    @Test("quantum_flux_ta: the journal equals backtest --fill live trade for trade")
    func quantumFluxTAAgrees() throws {
        let candles = Self.candlesWithGaps(seed: 12)
        var p = QuantumFluxTA.Parameters()
        p.threshold = 0.4
        #expect(try SignalSpec.parse("quantum_flux_ta@1m").timeframe == 60)
        let spec = SignalSpec(label: "quantum_flux_ta", kind: .quantumFluxTA(p), timeframe: 60)
        let j = try Self.journal(candles, spec: spec)
        Self.expectSame(j.results, Self.liveBacktest(candles, strategy: QuantumFluxTA(parameters: p)))
    }

    /// Test: a rules file's journal equals backtest --fill live; its indicators are the rules' columns.
    @Test("rules: the journal equals backtest --fill live trade for trade")
    func rulesAgree() throws {
        let text = "call: rsi(14) < 45\nput: rsi(14) > 55"
        let spec = try SignalSpec.parse("rules:my.rules") { name in
            #expect(name == "my.rules")
            return text
        }
        #expect(spec.label == "rules:my.rules")
        let candles = Self.candlesWithGaps(seed: 13)
        let j = try Self.journal(candles, spec: spec, expiry: 2)
        Self.expectSame(j.results, Self.liveBacktest(candles, strategy: try RuleStrategy(source: text), expiry: 2))
        #expect(j.signals.first?.indicators.count == 1)
    }

    /// Test: history arriving after the first live candle restarts the evaluations from the kept
    /// candles (once for the whole snapshot): from then on the journal equals the backtest on the
    /// whole series.
    @Test("Older candles after a live one: evaluations rebuilt, later trades equal the backtest's")
    func historyAfterLiveCandle() throws {
        let candles = Self.candlesWithGaps(seed: 21, count: 900)
        let first = 400
        var results: [SignalResult] = []
        let engine = try SignalEngine(specs: [SignalSpec.parse("quantum_flux")]) {
            if case .result(let r) = $0 { results.append(r) }
        }
        func feed(_ c: AnalysisCandle) {
            engine.candleClosed(
                asset: 1, name: "A", timeframe: 60, start: Int64(c.timestamp), open: c.open, high: c.high, low: c.low,
                close: c.close)
        }
        feed(candles[first])
        for c in candles[..<first] { feed(c) }  // the history snapshot, oldest first
        for c in candles[(first + 1)...] { feed(c) }
        // The 400 older candles are taken in one by one; the evaluations restart once, before
        // the next newer candle.
        #expect(engine.counters.outOfOrder == first)
        #expect(engine.counters.rebuilds == 1)
        let trades = Self.liveBacktest(candles, strategy: QuantumFlux()).filter { $0.entryIndex > first }
        Self.expectSame(results.filter { Double($0.signal.time) > candles[first].timestamp + 60 }, trades)
    }

    /// Test: the default fill is the original's (entry one candle after quantum_flux's decision).
    @Test("The original fill enters one candle after quantum_flux's live entry")
    func originalFillIsOneCandleLater() {
        var g = CandleGenerator(seed: 5)
        let candles = g.candles(800, shape: .zigzag)
        let original = Backtester.run(candles: candles, strategy: QuantumFlux()).trades
        let live = Self.liveBacktest(candles, strategy: QuantumFlux())
        #expect(original.map(\.entryIndex) == live.map { $0.entryIndex + 1 })
        #expect(original.map(\.signal) == live.map(\.signal))
    }

    /// Test: scoring: a call wins above entry, a put below, a tie loses; profit uses the payout in force.
    @Test("Scoring at expiry: ties lose, profit uses the payout in force else the default")
    func scoring() {
        let call = Signal(
            id: 1, asset: "A", timeframe: 60, strategy: "quantum_flux", time: 120, direction: .call, entryPrice: 1.0,
            expiry: 60, confidence: 0.6, payout: nil, indicators: [])
        var put = call
        put.direction = .put
        put.payout = 0.92
        #expect(SignalResult(signal: call, exitPrice: 1.1, defaultPayout: 0.8).profit == 0.8)
        #expect(SignalResult(signal: call, exitPrice: 1.0, defaultPayout: 0.8).won == false)
        #expect(SignalResult(signal: call, exitPrice: 1.0, defaultPayout: 0.8).profit == -1)
        #expect(SignalResult(signal: put, exitPrice: 0.9, defaultPayout: 0.8).profit == 0.92)
        #expect(SignalResult(signal: put, exitPrice: 1.0, defaultPayout: 0.8).won == false)
    }

    /// Test: the payout source fills each signal's payout.
    @Test("The payout in force reaches the signal")
    func payoutInForce() throws {
        var results: [SignalResult] = []
        let engine = try SignalEngine(
            specs: [SignalSpec.parse("quantum_flux")], payoutInForce: { asset, _ in asset == "A" ? 0.9 : nil }
        ) { if case .result(let r) = $0 { results.append(r) } }
        for c in Self.candlesWithGaps(seed: 11, count: 400) {
            engine.candleClosed(
                asset: 1, name: "A", timeframe: 60, start: Int64(c.timestamp), open: c.open, high: c.high, low: c.low,
                close: c.close)
        }
        #expect(!results.isEmpty)
        #expect(results.allSatisfy { $0.signal.payout == 0.9 && (!$0.won || $0.profit == 0.9) })
    }

    /// Test: specs parse; bad ones are errors naming the problem.
    @Test("Specs: timeframes, unknown strategies and bad timeframes")
    func specs() throws {
        let list = try SignalSpec.parseList("quantum_flux,quantum_flux_ta@5m")
        #expect(list.map(\.label) == ["quantum_flux", "quantum_flux_ta"])
        #expect(list.map(\.timeframe) == [nil, 300])
        #expect(throws: SignalSpecError.self) { try SignalSpec.parse("moon_phase") }
        #expect(throws: SignalSpecError.self) { try SignalSpec.parse("quantum_flux@7x") }
        #expect(throws: SignalSpecError.self) { try SignalSpec.parse("rules:") }
        #expect(throws: SignalSpecError.self) {
            try SignalSpec.parse("rules:x") { _ in "call: rsi(14) <" }
        }
        #expect(throws: SignalSpecError.self) {
            try SignalSpec.parse("rules:missing") { _ in throw CocoaError(.fileNoSuchFile) }
        }
    }

    /// Test: limits: evaluations beyond the bound and pending signals beyond the bound are counted, not kept.
    @Test("Limits: evaluations and pending signals are bounded and counted")
    func limits() throws {
        var limits = SignalLimits()
        limits.maxEvaluations = 2
        limits.maxPendingSignals = 1
        var signals = 0
        let engine = try SignalEngine(specs: [SignalSpec.parse("quantum_flux")], limits: limits, expiryCandles: 50) {
            if case .signal = $0 { signals += 1 }
        }
        for c in Self.candlesWithGaps(seed: 11, count: 300) {
            for asset in UInt32(0)..<3 {
                engine.candleClosed(
                    asset: asset, name: "A\(asset)", timeframe: 60, start: Int64(c.timestamp), open: c.open,
                    high: c.high, low: c.low, close: c.close)
            }
        }
        #expect(engine.counters.evaluations == 2)
        #expect(engine.counters.refusedEvaluations == 1)
        #expect(engine.counters.pending <= 1)
        #expect(engine.counters.droppedSignals > 0)
        #expect(signals == engine.counters.signals)
        var many = SignalLimits()
        many.maxSpecs = 1
        #expect(throws: SignalSpecError.self) {
            try SignalEngine(
                specs: [SignalSpec.parse("quantum_flux"), SignalSpec.parse("quantum_flux_ta")], limits: many
            ) { _ in }
        }
    }
}
