/// What a chunk holds.
package enum ArchiveKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Ticks: time and price.
    case ticks = 1
    /// Candles of one timeframe.
    case candles = 2
    /// The signal journal: signals and their results (`SignalRecord`).
    case signals = 3
    /// An asset's payout (percent) from the broker's `updateAssets`, from each record's time on:
    /// records shaped and encoded like ticks (time, payout), one chunk stream per asset.
    case payouts = 4

    /// `ticks` / `candles` / `signals` / `payouts`.
    package var description: String {
        switch self {
        case .ticks: "ticks"
        case .candles: "candles"
        case .signals: "signals"
        case .payouts: "payouts"
        }
    }

    /// Whether records are (time, value) pairs in the tick encodings (ticks and payouts).
    package var hasTickRecords: Bool { self == .ticks || self == .payouts }
}

/// What `--collect-stream` asks to archive.
package enum ArchiveCollect: String, Sendable, CaseIterable {
    case tick, candle, both, none

    /// Whether ticks are archived.
    package var ticks: Bool { self == .tick || self == .both }
    /// Whether closed candles are archived.
    package var candles: Bool { self == .candle || self == .both }
}
