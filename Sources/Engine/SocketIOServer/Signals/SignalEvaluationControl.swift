/// Starts and stops the evaluations `subscribe_signals` needs beyond the screened ones
/// (on-demand: docs/server-protocol.md, "Live signals"). Implemented by the engine, which runs
/// them on its own thread; the server calls it on the network thread, so both calls return at
/// once (no disk, no waiting on the engine thread: the request is queued for its next batch).
package protocol SignalEvaluationControl: Sendable {
    /// Starts evaluating `strategy` on `timeframe` (seconds) for every asset: nil when admitted,
    /// else the message of the subscriber's `error` (an unknown strategy, a limit reached).
    func startEvaluation(strategy: String, timeframe: Int) -> String?
    /// Stops an evaluation ``startEvaluation(strategy:timeframe:)`` admitted (its last subscriber left).
    func stopEvaluation(strategy: String, timeframe: Int)
}
