import Archive
import Candles
import Foundation
import Indicators
import SocketIOServer

/// Candles for a server analysis request: a listed file (`file_path`, resolved through the
/// ``ArchiveCatalog`` so nothing outside the data directory is read) or the node's recent
/// candles of an asset.
struct AnalysisRequestInput: Sendable {
    /// The data directory's catalog; nil without `--data-dir`.
    let catalog: ArchiveCatalog?
    /// The recent candles of an asset (closed ones, then the forming one) at a timeframe.
    let recent: @Sendable (_ asset: String, _ timeframe: Timeframe) -> [AnalysisCandle]
    /// The series a client stored for an asset (`store_csv_candles`), if any.
    var stored: @Sendable (_ asset: String) -> StoredCandleSeries? = { _ in nil }

    /// The candles of the listed file `path`. A tick series or tick CSV needs `timeframe` to
    /// form candles; a candle series uses its own timeframe.
    /// `skipped`: archived records left out for absurd values (reported in the reply).
    func candles(path: String, timeframe: Timeframe?) throws(DataSourceRequestError)
        -> (candles: [AnalysisCandle], entry: CatalogEntry, skipped: Int)
    {
        guard let catalog else {
            throw DataSourceRequestError("this server has no data directory (--data-dir): no files to read")
        }
        let entry: CatalogEntry
        let absolute: String
        do {
            entry = try catalog.resolve(path)
            absolute = try catalog.checkedPath(entry)
        } catch {
            throw DataSourceRequestError(error.message)
        }
        let loaded: AnalysisCandleLoader.Loaded
        do {
            switch entry.source {
            case let .archive(kind, seconds):
                var tf = kind == .candles ? Timeframe(seconds: max(seconds, 1)) : timeframe
                if kind == .ticks, tf == nil {
                    throw AnalysisCandleLoader.Failure.message(
                        "\(entry.path) holds ticks: give a timeframe (e.g. \"1m\") to form candles from them, or pick a candle file"
                    )
                }
                if kind == .candles, let timeframe, timeframe.seconds % max(seconds, 1) == 0 { tf = timeframe }
                loaded = try AnalysisCandleLoader.archive(absolute, asset: entry.asset, timeframe: tf)
            case let .csv(kind):
                if kind == .ticks {
                    throw AnalysisCandleLoader.Failure.message("\(entry.path) holds ticks, not candles")
                }
                loaded = try AnalysisCandleLoader.csv(absolute)
            }
        } catch {
            throw DataSourceRequestError(Self.message(error, absolute: absolute, shown: entry.path))
        }
        guard !loaded.columns.isEmpty else { throw DataSourceRequestError("\(entry.path): no candles") }
        return (loaded.candles, entry, loaded.skippedAbsurd)
    }

    /// A loader failure as one line naming the file by its listed path, never the server's directory.
    private static func message(_ error: any Error, absolute: String, shown: String) -> String {
        let text: String
        switch error {
        case let AnalysisCandleLoader.Failure.archive(e):
            text = "\(e.code.rawValue) failed" + (e.detail.map { ": \($0)" } ?? "")
        case let AnalysisCandleLoader.Failure.message(m):
            text = m
        default:
            text = "\(error)"
        }
        return text.replacingOccurrences(of: absolute, with: shown)
    }
}
