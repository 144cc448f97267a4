import Backtest
import Foundation
import Indicators
import Signals
import Testing

/// Specs added and removed while the engine runs (the on-demand evaluations of
/// `subscribe_signals`): a spec added late and seeded with the earlier candles decides exactly as
/// one evaluated from the start; a removed spec stops; limits hold.
@Suite("Signal engine: specs at run time")
struct SignalEngineRuntimeSpecTests {
    final class Events {
        var signals: [Signal] = []
        var results: [SignalResult] = []
    }

    static func engine(_ specs: [SignalSpec], limits: SignalLimits = SignalLimits()) throws -> (SignalEngine, Events) {
        let events = Events()
        let engine = try SignalEngine(specs: specs, limits: limits) { event in
            switch event {
            case .signal(let s): events.signals.append(s)
            case .result(let r): events.results.append(r)
            }
        }
        return (engine, events)
    }

    static func feed(_ engine: SignalEngine, _ candles: ArraySlice<AnalysisCandle>, asset: UInt32 = 7) {
        for c in candles {
            engine.candleClosed(
                asset: asset, name: "EURUSD_otc", timeframe: 60, start: Int64(c.timestamp), open: c.open, high: c.high,
                low: c.low, close: c.close)
        }
    }

    /// Test: seeded with the last 128 candles, a spec added at candle 700 gives the same signals
    /// and results from candle 701 on as the same spec evaluated from the first candle.
    @Test("A spec added late and seeded decides as one evaluated from the start", arguments: [false, true])
    func seededSpecMatchesScreened(streamKnown: Bool) throws {
        let candles = SignalEngineTests.candlesWithGaps(seed: 21)
        let spec = try SignalSpec.parse("quantum_flux@60")
        let (screened, all) = try Self.engine([spec])
        Self.feed(screened, candles[...])

        let (onDemand, late) = try Self.engine([])
        let cut = 700
        // a stream the engine already follows (other specs ran), or one it has never seen
        if streamKnown { Self.feed(onDemand, candles[..<cut]) }
        #expect(onDemand.activeSpecCount == 0 && late.signals.isEmpty)
        let slot = try onDemand.addSpec(spec)
        #expect(onDemand.activeSpecCount == 1)
        #expect(onDemand.counters.evaluations == (streamKnown ? 1 : 0))
        onDemand.seed(
            spec: slot, asset: 7, name: "EURUSD_otc", timeframe: 60,
            candles: Array(candles[..<cut].suffix(onDemand.limits.keptCandles)))
        #expect(late.signals.isEmpty, "seeding emits no signal")
        #expect(onDemand.counters.evaluations == 1)
        Self.feed(onDemand, candles[cut...])

        let after = candles[cut - 1].timestamp + 60  // a signal's time is its candle's close
        let expected = all.signals.filter { Double($0.time) > after }
        #expect(expected.count > 10)
        #expect(late.signals.map(\.time) == expected.map(\.time))
        #expect(late.signals.map(\.direction) == expected.map(\.direction))
        #expect(late.signals.map(\.entryPrice) == expected.map(\.entryPrice))
        let expectedResults = all.results.filter { Double($0.signal.time) > after }
        #expect(late.results.map(\.signal.time) == expectedResults.map(\.signal.time))
        #expect(late.results.map(\.exitPrice) == expectedResults.map(\.exitPrice))
        #expect(late.results.map(\.won) == expectedResults.map(\.won))
    }

    /// Test: a removed spec gets no more candles nor signals, drops its pending signals, frees
    /// its evaluations and its slot; a spec added again starts anew.
    @Test("A removed spec stops, frees its evaluations and slot, and can start again")
    func removeStops() throws {
        let candles = SignalEngineTests.candlesWithGaps(seed: 22)
        let (engine, events) = try Self.engine([])
        let spec = try SignalSpec.parse("quantum_flux@60")
        try engine.addSpec(spec)
        Self.feed(engine, candles[..<600])
        Self.feed(engine, candles[..<600], asset: 8)
        let signals = events.signals.count
        #expect(signals > 0 && engine.counters.evaluations == 2)
        #expect(!engine.removeSpec(label: "quantum_flux", timeframe: nil), "timeframes must match")
        #expect(engine.removeSpec(label: "quantum_flux", timeframe: 60))
        #expect(engine.activeSpecCount == 0 && engine.counters.evaluations == 0 && engine.counters.pending == 0)
        Self.feed(engine, candles[600...])
        #expect(events.signals.count == signals)
        #expect(!engine.removeSpec(label: "quantum_flux", timeframe: 60))
        #expect(try engine.addSpec(spec) == 0, "the retired slot is taken again")
        #expect(engine.counters.evaluations == 2)
    }

    /// Test: addSpec counts specs and evaluations against the limits.
    @Test("Added specs count against maxSpecs and maxEvaluations")
    func limits() throws {
        var limits = SignalLimits()
        limits.maxSpecs = 2
        limits.maxEvaluations = 3
        let (engine, _) = try Self.engine([try SignalSpec.parse("quantum_flux@60")], limits: limits)
        let candles = SignalEngineTests.candlesWithGaps(seed: 23, count: 5)
        for asset in UInt32(1)...2 { Self.feed(engine, candles[...], asset: asset) }
        #expect(engine.counters.evaluations == 2)
        try engine.addSpec(try SignalSpec.parse("quantum_flux_ta@60"))
        #expect(engine.counters.evaluations == 3 && engine.counters.refusedEvaluations == 1)
        #expect(throws: SignalSpecError.self) { try engine.addSpec(try SignalSpec.parse("quantum_flux@300")) }
    }
}
