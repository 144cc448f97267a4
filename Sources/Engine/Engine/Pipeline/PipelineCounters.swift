import Synchronization

/// Counters the engine thread writes and any thread reads (for /health, /metrics, summaries).
/// Relaxed atomics: each is exact on its own; a snapshot of several is not a transaction.
package final class PipelineCounters: Sendable {
    let ticks = Atomic<Int>(0)
    let histories = Atomic<Int>(0)
    let charts = Atomic<Int>(0)
    let candlesClosed = Atomic<Int>(0)
    let candleUpdates = Atomic<Int>(0)
    let archiveErrors = Atomic<Int>(0)
    let lastTickTimeBits = Atomic<UInt64>(Double.nan.bitPattern)

    init() {}

    /// A plain copy of the counters.
    package var snapshot: PipelineCounterSnapshot {
        PipelineCounterSnapshot(
            ticks: ticks.load(ordering: .relaxed),
            histories: histories.load(ordering: .relaxed),
            charts: charts.load(ordering: .relaxed),
            candlesClosed: candlesClosed.load(ordering: .relaxed),
            candleUpdates: candleUpdates.load(ordering: .relaxed),
            archiveErrors: archiveErrors.load(ordering: .relaxed),
            lastTickTime: { let v = Double(bitPattern: lastTickTimeBits.load(ordering: .relaxed)); return v.isNaN ? nil : v }())
    }
}

/// A copy of ``PipelineCounters``.
package struct PipelineCounterSnapshot: Sendable, Equatable {
    /// Live ticks that reached the candle former.
    package var ticks: Int
    /// History snapshots applied.
    package var histories: Int
    /// Chart focus events seen.
    package var charts: Int
    /// Candles closed (all timeframes).
    package var candlesClosed: Int
    /// Forming-candle updates produced (all timeframes).
    package var candleUpdates: Int
    /// Archive write errors (the stream goes on; see the log).
    package var archiveErrors: Int
    /// Broker time of the newest tick.
    package var lastTickTime: Double?
}
