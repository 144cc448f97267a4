import Archive
import Candles
import FastDecode
import Foundation
import Signals
import Synchronization
import Testing

@testable import Engine
@testable import SocketIOServer

/// On-demand evaluations without a network: the subscriptions share one evaluation per strategy
/// × timeframe and stop it with their last subscriber, admission is bounded by ``SignalLimits``,
/// and the screener runs them on the engine's candles, seeded from the recent ones, delivered but
/// not journaled.
@Suite("On-demand signal evaluations")
struct SignalOnDemandTests {
    static func control(maxSpecs: Int = 16, maxEvaluations: Int = 16_384, screened: Int = 0, assets: AssetDirectory)
        -> OnDemandSignals
    {
        var limits = SignalLimits()
        limits.maxSpecs = maxSpecs
        limits.maxEvaluations = maxEvaluations
        return OnDemandSignals(
            limits: limits, screenedSpecs: screened, recent: RecentCandleStore(keep: 10), assets: assets)
    }

    static func waiting(_ control: OnDemandSignals) -> Bool { control.hasCommands.load(ordering: .relaxed) }

    static func evaluations(_ control: OnDemandSignals) -> Int { control.evaluations.load(ordering: .relaxed) }

    static func starts(_ commands: [OnDemandSignals.Command]) -> [String] {
        commands.map {
            switch $0 {
            case .start(let spec): "start \(spec.label)@\(spec.timeframe ?? 0)"
            case .stop(let label, let timeframe): "stop \(label)@\(timeframe)"
            }
        }
    }

    /// Test: two clients share one evaluation; it stops when the last one leaves (unsubscribes
    /// or disconnects); a screened strategy starts nothing.
    @Test("One evaluation per strategy × timeframe, shared, stopped with its last subscriber")
    func sharedAndStopped() {
        let control = Self.control(screened: 1, assets: AssetDirectory())
        let hub = SignalSubscriptions()
        hub.screened = [ScreenedSignalSpec(strategy: "quantum_flux_ta", timeframe: nil)]
        hub.control = control
        let sub = SignalSubscriptions.Subscription(assets: nil, timeframe: 5, strategy: "quantum_flux")
        let one = SignalSubscriptions.Subscription(assets: ["eurusd"], timeframe: 5, strategy: "quantum_flux")
        #expect((try? hub.add(sub, for: 1).get()) != nil)
        #expect((try? hub.add(one, for: 2).get()) != nil)
        #expect((try? hub.add(sub, for: 2).get()) != nil)
        #expect(control.running == ["quantum_flux@5"])
        #expect(Self.starts(control.take()) == ["start quantum_flux@5"])
        #expect(!Self.waiting(control))
        // screened: nothing to start
        let screened = SignalSubscriptions.Subscription(assets: nil, timeframe: 5, strategy: "quantum_flux_ta")
        #expect((try? hub.add(screened, for: 1).get()) != nil)
        #expect(control.running == ["quantum_flux@5"] && !Self.waiting(control))

        hub.remove(1) { $0.strategy == "quantum_flux" }
        hub.remove(2) { $0 == one }
        #expect(control.running == ["quantum_flux@5"] && !Self.waiting(control))
        hub.forgetDeparted { $0 != 2 }  // client 2 left: its last subscription goes
        #expect(control.running.isEmpty)
        #expect(Self.starts(control.take()) == ["stop quantum_flux@5"])
        #expect(hub.onDemand.isEmpty && hub.total == 1)
        // asked again, it starts again
        #expect((try? hub.add(sub, for: 3).get()) != nil)
        #expect(Self.starts(control.take()) == ["start quantum_flux@5"])
    }

    /// Test: the spec and evaluation limits, unknown strategies and rules files are refused with
    /// a message and leave nothing behind; no subscription is held for them.
    @Test("Limits, unknown strategies and rules files are refused; nothing is held")
    func refusals() {
        let assets = AssetDirectory()
        for name in ["A", "B", "C"] { _ = assets.register(name) }
        let control = Self.control(maxSpecs: 2, maxEvaluations: 7, screened: 1, assets: assets)
        let hub = SignalSubscriptions()
        hub.control = control
        func add(_ strategy: String, _ tf: Int, client: UInt64 = 1) -> SignalSubscriptions.Refusal? {
            let sub = SignalSubscriptions.Subscription(assets: nil, timeframe: tf, strategy: strategy)
            if case .failure(let r) = hub.add(sub, for: client) { return r }
            return nil
        }
        #expect(add("quantum_flux", 1) == nil)
        guard case .notStarted(let full) = add("quantum_flux_ta", 1) else {
            Issue.record("a second on-demand spec over maxSpecs 2 (1 screened) was admitted")
            return
        }
        #expect(full.contains("too many signal evaluations") && full.contains("at most 2"))
        guard case .notStarted(let unknown) = add("moon_phase", 1),
            case .notStarted(let rules) = add("rules:/etc/passwd", 1)
        else {
            Issue.record("unknown strategies admitted")
            return
        }
        #expect(unknown.contains("unknown strategy moon_phase"))
        #expect(rules.contains("only when the server screens them"))
        #expect(hub.subscriptions(of: 1).count == 1 && control.running == ["quantum_flux@1"])

        // evaluations: 3 assets known, 5 already evaluated, at most 7
        let roomy = Self.control(maxSpecs: 16, maxEvaluations: 7, assets: assets)
        roomy.evaluations.store(5, ordering: .relaxed)
        let message = roomy.startEvaluation(strategy: "quantum_flux", timeframe: 60)
        #expect(message?.contains("needs 3 more (at most 7") == true, "\(message ?? "admitted")")
        roomy.evaluations.store(4, ordering: .relaxed)
        #expect(roomy.startEvaluation(strategy: "quantum_flux", timeframe: 60) == nil)
    }

    /// Test: behind a screener journaling a rules file, an on-demand quantum_flux started at
    /// candle 300 decides from the next candles (seeded from the recent store), is delivered, and
    /// is not journaled; once stopped it decides nothing more.
    @Test("The screener runs on-demand specs seeded from recent candles, delivered, not journaled")
    func screenerRunsOnDemand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-ondemand-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let assets = AssetDirectory()
        let asset = assets.register("EURUSD_otc")
        let screener = try SignalScreener(
            specs: [try SignalSpec.parse("rules:always.rules", readFile: { _ in "call: close > 0\n" })], assets: assets,
            dataDirectory: dir.path)
        let recent = RecentCandleStore(keep: 500)
        let control = screener.enableOnDemand(recent: recent)
        var delivered: [Signal] = []
        screener.onEvent = { if case .signal(let s) = $0 { delivered.append(s) } }
        // the reference: quantum_flux evaluated from the first candle
        var reference: [Signal] = []
        let engine = try SignalEngine(specs: [try SignalSpec.parse("quantum_flux")]) {
            if case .signal(let s) = $0 { reference.append(s) }
        }

        var close = 1.1
        let timeframe = Timeframe(seconds: 60)
        func batch(_ range: Range<Int>) {
            var events: [CandleEvent] = []
            for i in range {
                let open = close
                close =
                    ((open + sin(Double(i) / 9) * 0.0004 + cos(Double(i) * 1.7) * 0.0003) * 100_000).rounded()
                    / 100_000
                let c = Candle(
                    asset: asset, timeframe: timeframe, start: 1_756_000_000 + Int64(i) * 60, open: open,
                    high: max(open, close) + 0.0001, low: min(open, close) - 0.0001, close: close, ticks: 5)
                events.append(.closed(c))
                engine.candleClosed(
                    asset: asset.rawValue, name: "EURUSD_otc", timeframe: 60, start: c.start, open: c.open,
                    high: c.high, low: c.low, close: c.close)
            }
            recent.apply(events)  // as the engine loop does, before the sink
            screener.pipeline(candleEvents: events)
        }
        batch(0..<300)
        #expect(delivered.allSatisfy { $0.strategy == "rules:always.rules" })
        #expect(control.startEvaluation(strategy: "quantum_flux", timeframe: 60) == nil)
        batch(300..<301)  // the start is taken after this batch, seeded with candles up to 300
        let startTime: Int64 = 1_756_000_000 + 301 * 60
        #expect(Self.evaluations(control) == 2)
        batch(301..<700)
        control.stopEvaluation(strategy: "quantum_flux", timeframe: 60)
        batch(700..<701)
        #expect(Self.evaluations(control) == 1)
        batch(701..<900)
        try screener.close()

        let onDemand = delivered.filter { $0.strategy == "quantum_flux" }
        let expected = reference.filter { $0.time > startTime && $0.time <= startTime + 400 * 60 }
        #expect(expected.count > 5)
        #expect(onDemand.map(\.time) == expected.map(\.time), "seeded: the same decisions from the next candle on")
        #expect(onDemand.map(\.direction) == expected.map(\.direction))
        let journaled = try SignalJournalEntry.load(directory: dir.path).entries.map(\.record)
        #expect(!journaled.isEmpty)
        #expect(journaled.allSatisfy { $0.strategy == "rules:always.rules" })
        #expect(journaled.count == delivered.count - onDemand.count)
    }
}
