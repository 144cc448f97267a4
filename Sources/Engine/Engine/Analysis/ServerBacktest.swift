import Backtest
import Candles
import FastDecode
import Indicators
import SocketIOServer

/// `run_backtest {file_path, strategy}` → the `results` object of `backtest_complete`: the
/// original's `{trades, equity_curve, statistics}` (trade and curve timestamps as the original's
/// CSV text, `YYYY-mm-dd HH:MM:SS` UTC), plus qflux's `strategy` and `extended` statistics.
///
/// - `file_path` (required): a `path` or `filename` from `get_available_data` /
///   `/api/available-csv-files`.
/// - `strategy`: `quantum_flux` (default), or `quantum_flux_ta`.
/// - `timeframe` (qflux): candles to form from a tick file (`"1m"`), or coarser candles from a
///   candle series.
/// - `skipped_records` (only when there are some): archived records left out for absurd values.
/// Errors use the original's wording where it had one (`No file path provided`,
/// `Unknown strategy: NAME`).
enum ServerBacktest {
    static func run(_ request: JSONValue?, input: AnalysisRequestInput) throws(DataSourceRequestError) -> [UInt8] {
        guard case let .object(fields)? = request else {
            throw DataSourceRequestError("malformed run_backtest request: expected {file_path, strategy}")
        }
        guard let path = fields["file_path"]?.stringValue, !path.isEmpty else {
            throw DataSourceRequestError("No file path provided")
        }
        let name: String
        switch fields["strategy"] {
        case nil, .null?: name = "quantum_flux"
        case let .string(s)?: name = s
        default: throw DataSourceRequestError("strategy must be a name such as \"quantum_flux\"")
        }
        let strategy: any SignalStrategy
        switch StrategyCatalog.make(name: name) {
        case .success(let s): strategy = s
        case .failure: throw DataSourceRequestError("Unknown strategy: \(name)")
        }
        let timeframe = try ServerAnalysisFields.timeframe(fields)
        let (candles, _, skipped) = try input.candles(path: path, timeframe: timeframe)
        let result = Backtester.run(candles: candles, strategy: strategy, options: BacktestOptions())
        return Array(
            BacktestJSON.encode(
                result, timestamps: .text, extended: ExtendedStatistics(result), skippedRecords: skipped
            ).utf8)
    }
}

/// Shared request fields.
enum ServerAnalysisFields {
    /// The optional `timeframe` member (`"1m"`, `"5s"`, 60).
    static func timeframe(_ fields: [String: JSONValue]) throws(DataSourceRequestError) -> Timeframe? {
        switch fields["timeframe"] {
        case nil, .null?: return nil
        case let .string(s)?:
            guard let tf = Timeframe(parsing: s) else {
                throw DataSourceRequestError("timeframe: '\(s)' is not a timeframe (5s, 1m, 4h, 1d or seconds)")
            }
            return tf
        case let .number(n)? where n >= 1 && n <= 31_536_000 && n == n.rounded():
            return Timeframe(seconds: Int(n))
        default:
            throw DataSourceRequestError("timeframe must be a name such as \"1m\" or a number of seconds")
        }
    }
}
