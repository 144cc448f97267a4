import Archive
import Candles
import RedisBridge

/// How a ``MarketPipeline`` runs.
package struct PipelineConfiguration: Sendable {
    /// What to do when the decode → engine ring is full.
    package enum Backpressure: Sendable {
        /// Wait for room: nothing is lost (replay of files).
        case wait
        /// Never block the source: count the event as dropped (live sources).
        case drop
    }

    /// Candle timeframes formed for every asset.
    package var timeframes: [Timeframe] = [.oneMinute]
    /// How far back late ticks may revise closed candles.
    package var lateness: LatenessWindow = .default
    /// Closed candles kept per asset and timeframe for clients that ask for history.
    package var keepClosedCandles = 500
    /// Whether the engine keeps recent candles for clients (``MarketPipeline/recent``); off for
    /// offline replay, where nobody asks.
    package var keepsRecentCandles = true
    /// Archive collection; nil collects nothing.
    package var archive: ArchiveConfiguration?
    /// Decode → engine ring capacity (events). 65,536 holds ~13 s of Chrome's peak frame rate.
    package var ringCapacity = 1 << 16
    /// Ring policy when full.
    package var backpressure: Backpressure = .wait
    /// Engine → archive thread ring capacity (records; rounded up to a power of two).
    package var archiveRingCapacity = ArchiveSink.defaultRingCapacity
    /// Redis Streams publishing (`--publish`); nil publishes nothing.
    package var publish: RedisPublisherConfiguration?

    /// The defaults: 1m candles, no archive, waiting backpressure.
    package init() {}
}
