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
    /// Malformed input the feeder's decoder counted (every kind), stored by the feeder per line.
    let malformedInput = Atomic<Int>(0)
    /// Ticks and candles the decoder refused for a time or price outside `MarketLimits`
    /// (absurd, or past the machine's clock plus its tolerance), stored by the feeder per line.
    let decoderAbsurdValues = Atomic<Int>(0)
    /// Ticks the candle former refused for a time or price outside `MarketLimits` (sources that
    /// do not go through the decoder), stored by the engine per batch.
    let formerAbsurdValues = Atomic<Int>(0)
    /// Live ticks the candle former refused for jumping ahead of the stream's clock, stored by
    /// the engine per batch.
    let ticksAheadOfStream = Atomic<Int>(0)
    /// The payouts in force (from `updateAssets`), written by the engine thread.
    package let payoutBoard = PayoutBoard()

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
            malformedInput: malformedInput.load(ordering: .relaxed),
            absurdValues: decoderAbsurdValues.load(ordering: .relaxed) + formerAbsurdValues.load(ordering: .relaxed),
            ticksAheadOfStream: ticksAheadOfStream.load(ordering: .relaxed),
            lastTickTime: {
                let v = Double(bitPattern: lastTickTimeBits.load(ordering: .relaxed)); return v.isNaN ? nil : v
            }())
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
    /// Malformed input counted by the feeder's decoder (all kinds, `absurd_value` included).
    package var malformedInput: Int
    /// Ticks and candles refused for a time or price outside `MarketLimits` (absurd values, times
    /// past this machine's clock plus `MarketLimits.futureTolerance`), by the decoder or the former.
    package var absurdValues: Int
    /// Live ticks refused for jumping ahead of the stream's clock (``CandleStats/aheadOfStream``).
    package var ticksAheadOfStream: Int
    /// Broker time of the newest tick.
    package var lastTickTime: Double?
}
