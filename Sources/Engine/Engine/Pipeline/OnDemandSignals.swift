import FastDecode
import Signals
import SocketIOServer
import Synchronization
import ThreadSupport

/// The on-demand evaluations of `subscribe_signals` (docs/server-protocol.md, "Live signals"):
/// the network thread admits a strategy × timeframe the screener does not run and queues its
/// start here; the screener (``SignalScreener``) takes the queue on the engine thread after its
/// next batch, adds the spec to its engine and seeds it from the recent candles. A stop is queued
/// the same way when the last subscriber leaves.
///
/// Threads: ``startEvaluation(strategy:timeframe:)`` / ``stopEvaluation(strategy:timeframe:)``
/// on the network thread (admission and the queue under a `Locked`, a few times per subscription,
/// never per candle); the engine thread reads `hasCommands` (one atomic load per batch) and
/// takes the queue only when it is set.
package final class OnDemandSignals: SignalEvaluationControl {
    /// A change for the engine thread.
    enum Command: Sendable {
        case start(SignalSpec)
        case stop(label: String, timeframe: Int)
    }

    /// The strategies a subscription may start (built in; a rules file is read only when the
    /// operator names it with `--signals`: a client never makes the server read a file).
    static let strategies = ["quantum_flux", "quantum_flux_ta"]

    /// The engine's bounds (shared with the screener's specs).
    let limits: SignalLimits
    /// Specs the screener runs (`--signals`), counted against ``SignalLimits/maxSpecs``.
    let screenedSpecs: Int
    /// Closed candles the seeding reads.
    let recent: RecentCandleStore
    private let assets: AssetDirectory
    private let state = Locked<(running: Set<String>, commands: [Command])>(([], []))
    /// Commands are waiting (checked by the engine thread once per batch without the lock).
    let hasCommands = Atomic<Bool>(false)
    /// The engine's live evaluations, published once per batch (for admission).
    let evaluations = Atomic<Int>(0)

    init(limits: SignalLimits, screenedSpecs: Int, recent: RecentCandleStore, assets: AssetDirectory) {
        self.limits = limits
        self.screenedSpecs = screenedSpecs
        self.recent = recent
        self.assets = assets
    }

    /// Admits `strategy` on `timeframe` when it is a built-in strategy and the limits leave room:
    /// one more spec, and an evaluation for every asset known now.
    package func startEvaluation(strategy: String, timeframe: Int) -> String? {
        guard Self.strategies.contains(strategy) else {
            if strategy.hasPrefix("rules:") {
                return
                    "unknown strategy \(strategy): rules files are evaluated only when the server screens them (start it with --signals \(strategy))"
            }
            return
                "unknown strategy \(strategy) (known: \(Self.strategies.joined(separator: ", ")); rules:FILE with --signals)"
        }
        guard var spec = try? SignalSpec.parse(strategy, readFile: { _ in throw SignalSpecError("no files") }) else {
            return "unknown strategy \(strategy)"
        }
        spec.timeframe = timeframe
        let name = Self.key(strategy, timeframe)
        let assetCount = assets.count
        return state.withLock { state -> String? in
            if state.running.contains(name) { return nil }
            if screenedSpecs + state.running.count >= limits.maxSpecs {
                return
                    "too many signal evaluations: \(screenedSpecs + state.running.count) strategies run (at most \(limits.maxSpecs) strategy × timeframe specs): try later or subscribe to a running one"
            }
            let evaluations = self.evaluations.load(ordering: .relaxed)
            if evaluations + assetCount > limits.maxEvaluations {
                return
                    "too many signal evaluations: \(evaluations) run and \(strategy) on \(timeframe)s needs \(assetCount) more (at most \(limits.maxEvaluations) asset × timeframe × strategy)"
            }
            state.running.insert(name)
            state.commands.append(.start(spec))
            hasCommands.store(true, ordering: .releasing)
            return nil
        }
    }

    /// Queues the stop of an admitted evaluation.
    package func stopEvaluation(strategy: String, timeframe: Int) {
        state.withLock { state in
            guard state.running.remove(Self.key(strategy, timeframe)) != nil else { return }
            state.commands.append(.stop(label: strategy, timeframe: timeframe))
            hasCommands.store(true, ordering: .releasing)
        }
    }

    /// The queued commands, oldest first (engine thread, when ``hasCommands`` is set).
    func take() -> [Command] {
        state.withLock { state in
            hasCommands.store(false, ordering: .relaxed)
            defer { state.commands.removeAll() }
            return state.commands
        }
    }

    /// The on-demand evaluations admitted now (strategy@seconds), for tests and figures.
    var running: Set<String> { state.withLock { $0.running } }

    private static func key(_ strategy: String, _ timeframe: Int) -> String { "\(strategy)@\(timeframe)" }
}
