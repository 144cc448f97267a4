import Archive
import Candles
import FastDecode
import Indicators
import SocketIOServer

/// The CSV API and the analysis requests: adapters from the server's data-source calls to the
/// ``ArchiveCatalog`` and the analysis code.
extension PipelineDataSource {
    /// `/api/available-csv-files[?timeframe=]`: one entry per archived asset × ticks/timeframe,
    /// then the original-layout CSV files (``ArchiveCatalog/listing(sizes:)``).
    package func csvFiles(timeframe: String?) throws -> [AvailableFile] {
        guard let catalog else { return [] }
        return catalog.entries(timeframe: timeframe).map {
            AvailableFile(filename: $0.filename, asset: $0.asset, timeframe: $0.timeframe, path: $0.path, size: $0.size)
        }
    }

    /// `/api/csv-data/<filename>`: the listed CSV, streamed; nil when nothing is listed under that name.
    package func openCSV(filename: String) throws -> (any CSVBodySource)? {
        guard let catalog, let entry = catalog.entry(filename: filename) else { return nil }
        do {
            return CatalogCSVBody(try catalog.open(entry))
        } catch {
            throw DataSourceRequestError(error.message)
        }
    }

    /// `run_backtest` (``ServerBacktest``).
    package func runBacktest(_ request: JSONValue?) throws -> [UInt8] {
        try ServerBacktest.run(request, input: analysisInput)
    }

    /// `calculate_indicators` (``ServerIndicators``), within ``IndicatorBudget/serverRequest``
    /// with the reply bound the server gives (half the client's byte budget).
    package func calculateIndicators(_ request: JSONValue?, maxReplyBytes: Int) throws -> [UInt8] {
        try ServerIndicators.run(request, input: analysisInput, budget: .serverRequest(maxReplyBytes: maxReplyBytes))
    }

    /// Files from the catalog, live candles from the recent-candle store, stored series.
    var analysisInput: AnalysisRequestInput {
        let pipeline = pipeline
        let stored = storedSeries
        return AnalysisRequestInput(
            catalog: catalog,
            recent: { name, timeframe in
                guard let id = pipeline.assets.lookup(name) else { return [] }
                return pipeline.recent.candles(asset: id, timeframe: timeframe).map {
                    AnalysisCandle(
                        timestamp: Double($0.start), open: $0.open, high: $0.high, low: $0.low, close: $0.close)
                }
            },
            stored: { stored.series($0) })
    }
}

/// A catalog CSV as the server's chunked body.
final class CatalogCSVBody: CSVBodySource {
    private let stream: CatalogCSVStream

    init(_ stream: CatalogCSVStream) { self.stream = stream }

    func nextPiece() throws -> [UInt8]? {
        do {
            return try stream.nextPiece()
        } catch {
            throw DataSourceRequestError(error.message)
        }
    }
}
