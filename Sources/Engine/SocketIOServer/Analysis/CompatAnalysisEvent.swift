import FastDecode

/// The original GUI's analysis events besides `run_backtest` and `calculate_indicators`
/// (compat.md): each with its reply and error event.
package enum CompatAnalysisEvent: String, Sendable, CaseIterable {
    /// `store_csv_candles {asset, candles}` → `csv_storage_success` / `csv_storage_error {error, timestamp}`.
    case storeCSVCandles = "store_csv_candles"
    /// `generate_signal {candles, strategy}` → `signal_generated` / `signal_error {error}`.
    case generateSignal = "generate_signal"
    /// `execute_strategy {candles, strategy}` → `strategy_result` / `strategy_error {error}`.
    case executeStrategy = "execute_strategy"

    /// The reply event.
    package var reply: String {
        switch self {
        case .storeCSVCandles: "csv_storage_success"
        case .generateSignal: "signal_generated"
        case .executeStrategy: "strategy_result"
        }
    }

    /// The error event.
    package var error: String {
        switch self {
        case .storeCSVCandles: "csv_storage_error"
        case .generateSignal: "signal_error"
        case .executeStrategy: "strategy_error"
        }
    }

    /// Whether the error payload carries a `timestamp` (the original's `csv_storage_error` did;
    /// its `signal_error` and `strategy_error` were `{error}` only).
    package var errorHasTimestamp: Bool { self == .storeCSVCandles }
}

extension StreamServerDataSource {
    /// No analysis on this node.
    package func compatAnalysis(_ event: CompatAnalysisEvent, _ request: JSONValue?) throws -> [UInt8] {
        throw DataSourceRequestError("\(event.rawValue) is not available on this server")
    }
}
