import Candles
import FastDecode

/// Receives what the engine thread produces, once per batch. Called on the engine thread:
/// implementations hand work on (the server's inbox, a stdout buffer) and return at once.
package protocol PipelineSink: AnyObject {
    /// The candle events of one batch, in order (updated, closed, revised; all timeframes).
    func pipeline(candleEvents: [CandleEvent])
    /// The broker's chart shows an asset.
    func pipeline(chart: ChartFocus)
}
