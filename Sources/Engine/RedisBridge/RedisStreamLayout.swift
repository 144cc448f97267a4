import Candles

/// Where qflux puts market data in Redis (docs/redis.md is the reference for consumers):
///
/// | key | type | entries / members |
/// | --- | --- | --- |
/// | `qflux:ticks:<asset>` | stream | one per tick: `time` (epoch seconds, decimal), `price` (decimal) |
/// | `qflux:candles:<timeframe>:<asset>` | stream | one per closed (or revised) candle: `time` (start, epoch seconds), `open`, `high`, `low`, `close`, `volume` (ticks merged; 0 for broker history) |
/// | `qflux:payouts` | stream | one per broker payout list (`updateAssets`): `time` (epoch seconds, decimal), then one field per listed asset: its name → payout percent (decimal) |
/// | `qflux:assets` | set | every asset name published |
///
/// Numbers are written as the shortest decimal text that reads back as the same Double.
package enum RedisStreamLayout {
    /// The key prefix of every qflux key.
    package static let prefix = "qflux:"
    /// The set of asset names.
    package static let assetsKey = "qflux:assets"
    /// Default `MAXLEN ~` of every stream (`--redis-maxlen`): entries kept per stream, approximately.
    package static let defaultMaxLength = 100_000
    /// The consumer group of `qflux archive` (default of `--group`).
    package static let defaultGroup = "qflux-archive"

    /// The stream of payout lists (one entry per list; fields `time`, then asset → percent).
    package static let payoutsKey = "qflux:payouts"
    /// `MAXLEN ~` of the payout stream: at most this many lists (a few a minute: days of them),
    /// fewer when `--redis-maxlen` is smaller.
    package static let payoutsMaxLength = 10_000

    /// The tick stream of `asset`.
    package static func ticksKey(_ asset: String) -> String { "qflux:ticks:\(asset)" }
    /// The candle stream of `asset` at `timeframe` (named like `5s`, `1m`, `4h`).
    package static func candlesKey(_ timeframe: Timeframe, _ asset: String) -> String {
        "qflux:candles:\(timeframe):\(asset)"
    }
    /// The asset of a tick stream key (nil when `key` is not one).
    package static func asset(ofTicksKey key: String) -> String? {
        let p = "qflux:ticks:"
        return key.hasPrefix(p) ? String(key.dropFirst(p.count)) : nil
    }
}
