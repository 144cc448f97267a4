import Candles
import FastDecode
import Indicators
import SocketIOServer

/// The original GUI's `store_csv_candles`, `generate_signal` and `execute_strategy`.
extension PipelineDataSource {
    /// ``ServerCSVStorage`` and ``ServerSignals`` on this node's stored series and recent 1m candles.
    package func compatAnalysis(_ event: CompatAnalysisEvent, _ request: JSONValue?) throws -> [UInt8] {
        let input = analysisInput
        let recent: @Sendable (String) -> [AnalysisCandle] = { input.recent($0, .oneMinute) }
        switch event {
        case .storeCSVCandles: return try ServerCSVStorage.run(request, store: storedSeries)
        case .generateSignal: return try ServerSignals.generate(request, stored: storedSeries, recent: recent)
        case .executeStrategy: return try ServerSignals.execute(request, stored: storedSeries, recent: recent)
        }
    }
}
