import Candles
import FastDecode
import Indicators
import Synchronization

/// A candle series a client stored with `store_csv_candles`: what `calculate_indicators` and
/// `generate_signal` use for that asset afterwards.
struct StoredCandleSeries: Sendable {
    /// The asset as the client spelled it.
    var asset: String
    /// Oldest first, distinct timestamps.
    var candles: [AnalysisCandle]
    /// The smallest spacing between candles (one minute for a single candle).
    var timeframe: Timeframe
}

/// The stored series of one server (any thread; one lock).
///
/// Bounded: at most ``maxSeries`` assets of at most ``maxCandlesPerSeries`` candles each
/// (16 × 20,000 candles, about 15 MB). Storing a series for an asset already held replaces it;
/// storing one for a new asset when ``maxSeries`` are held evicts the series stored longest ago
/// (its asset is named in the reply); a series over ``maxCandlesPerSeries`` is refused.
/// Assets are matched ignoring case and punctuation (`EURUSD OTC` = `EURUSD_otc`).
final class StoredCandleStore: Sendable {
    /// Assets held at most.
    static let maxSeries = 16
    /// Candles per stored series at most.
    static let maxCandlesPerSeries = 20_000

    private struct Entry {
        var series: StoredCandleSeries
        var order: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextOrder: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Stores `series`, replacing the asset's earlier one; returns the asset evicted to make
    /// room, if any.
    @discardableResult
    func store(_ series: StoredCandleSeries) -> String? {
        let key = AssetDirectory.looseKey(series.asset)
        return state.withLock { s in
            var evicted: String?
            if s.entries[key] == nil, s.entries.count >= Self.maxSeries,
                let oldest = s.entries.min(by: { $0.value.order < $1.value.order })
            {
                evicted = oldest.value.series.asset
                s.entries[oldest.key] = nil
            }
            s.entries[key] = Entry(series: series, order: s.nextOrder)
            s.nextOrder += 1
            return evicted
        }
    }

    /// The series stored for `asset` (any spelling), if any.
    func series(_ asset: String) -> StoredCandleSeries? {
        let key = AssetDirectory.looseKey(asset)
        return state.withLock { $0.entries[key]?.series }
    }

    /// The assets held, oldest stored first.
    var assets: [String] {
        state.withLock { s in s.entries.values.sorted { $0.order < $1.order }.map(\.series.asset) }
    }
}
