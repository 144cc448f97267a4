import Candles
import Indicators
import SocketIOServer
import TextWriters

/// `store_csv_candles {asset, candles}` → the `csv_storage_success {asset, candle_count,
/// timestamp}` payload, plus qflux's `timeframe` (the series' spacing, `"1m"`),
/// `skipped_rows` and `row_errors` (the first few bad rows) when rows were left out, and
/// `evicted` (the asset dropped to make room, ``StoredCandleStore``).
///
/// Refusals (`csv_storage_error {error, timestamp}`): `No asset specified`, `No candle data
/// provided` (absent or empty list), an asset name over 64 bytes, more than
/// ``StoredCandleStore/maxCandlesPerSeries`` candles, no row readable.
enum ServerCSVStorage {
    /// Longest asset name stored.
    static let maxAssetBytes = 64

    static func run(_ request: JSONValue?, store: StoredCandleStore) throws(DataSourceRequestError) -> [UInt8] {
        guard let asset = request?["asset"]?.stringValue, !asset.isEmpty else {
            throw DataSourceRequestError("No asset specified")
        }
        guard asset.utf8.count <= maxAssetBytes else {
            throw DataSourceRequestError("asset name over \(maxAssetBytes) bytes")
        }
        guard let rows = request?["candles"]?.arrayValue, !rows.isEmpty else {
            throw DataSourceRequestError("No candle data provided")
        }
        let parsed = try StoredCandleParser.parse(rows)
        guard !parsed.candles.isEmpty else {
            throw DataSourceRequestError(
                "No valid candles among \(rows.count) rows (\(parsed.errors.joined(separator: "; ")))")
        }
        let timeframe = StoredCandleParser.timeframe(parsed.candles)
        let evicted = store.store(StoredCandleSeries(asset: asset, candles: parsed.candles, timeframe: timeframe))
        var w = JSONWriter(capacity: 256)
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"candle_count\":"); w.number(Double(parsed.candles.count))
        w.raw(",\"timeframe\":"); w.string(timeframe.description)
        if parsed.skipped > 0 {
            w.raw(",\"skipped_rows\":"); w.number(Double(parsed.skipped))
            w.raw(",\"row_errors\":[")
            for (i, e) in parsed.errors.enumerated() {
                if i > 0 { w.comma() }
                w.string(e)
            }
            w.raw("]")
        }
        if let evicted { w.raw(",\"evicted\":"); w.string(evicted) }
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerIndicators.wallClock())
        w.raw("}")
        return w.bytes
    }
}
