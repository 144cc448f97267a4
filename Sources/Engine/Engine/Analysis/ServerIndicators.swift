import Archive
import Candles
import FastDecode
import Indicators
import SocketIOServer

#if canImport(Glibc)
import Glibc
import TextWriters
#endif

/// `calculate_indicators` in the original adapter's shape → `indicators_calculated {asset,
/// timeframe_minutes, data_points, latest_timestamp, latest_price, indicators, series, signals,
/// timestamp}` (``ServerIndicatorsReply``), plus qflux's `timeframe`, `source` and
/// `skipped_records`.
///
/// Request: `{asset, instances: {"SMA-20": {type: "sma", params: {period: 20}}, "BB-20":
/// {type: "bollinger", params: {period: 20, std_dev: 2}}, …}}`, plus qflux's optional
/// `timeframe` (default `1m`), `file_path` (a listed file instead of the live candles) and
/// `limit` (points per series, default 500).
///
/// Candles: the series a client stored for `asset` with `store_csv_candles` (unless another
/// `timeframe` is asked for); else the node's recent candles of `asset` at `timeframe` (the
/// forming one last); else the data directory's archived series of that asset and timeframe;
/// or the listed file `file_path`.
///
/// Refusals (the original's): no asset → `No asset specified`; no candles → `No candle data
/// available for A`; fewer than 20 → `Insufficient data points for A: N (minimum 20 required)`.
/// No instances → `{asset, indicators: {}, series: {}, signals: {}, timestamp}`.
///
/// Cost: at most ``IndicatorBudget/serverRequest`` – the instance cap is checked before any
/// instance is parsed, the memory and work estimates once the candles are counted and before
/// any indicator or row is allocated; a request over it gets `indicators_error` naming the limit.
enum ServerIndicators {
    /// Points per series unless the request's `limit` says otherwise (at most ``maxLimit``).
    static let defaultLimit = 500
    static let maxLimit = 100_000

    static func run(
        _ request: JSONValue?, input: AnalysisRequestInput,
        budget: IndicatorBudget = .serverRequest
    ) throws(DataSourceRequestError) -> [UInt8] {
        guard case let .object(fields)? = request else {
            throw DataSourceRequestError("malformed calculate_indicators request: expected {asset, instances}")
        }
        var limit = defaultLimit
        if let l = fields["limit"] {
            guard case let .number(n) = l, n >= 1, n == n.rounded() else {
                throw DataSourceRequestError("limit must be a whole number ≥ 1")
            }
            limit = Int(min(n, Double(maxLimit)))
        }
        let requested = try ServerAnalysisFields.timeframe(fields)
        var timeframe = requested ?? .oneMinute
        var asset = fields["asset"]?.stringValue
        let path = fields["file_path"]?.stringValue ?? ""
        if path.isEmpty, (asset ?? "").isEmpty { throw DataSourceRequestError("No asset specified") }
        let instances = try parseInstances(fields["instances"], budget: budget)
        if instances.isEmpty { return ServerIndicatorsReply.empty(asset: asset ?? "") }
        let candles: [AnalysisCandle]
        let source: String
        var skipped = 0
        if !path.isEmpty {
            let loaded = try input.candles(path: path, timeframe: requested)
            candles = loaded.candles
            source = loaded.entry.path
            skipped = loaded.skipped
            if asset == nil || asset == "" { asset = loaded.entry.asset }
            if case let .archive(.candles, seconds) = loaded.entry.source, requested == nil {
                timeframe = Timeframe(seconds: max(seconds, 1))
            }
        } else {
            let name = asset ?? ""
            let stored = input.stored(name)
            if let stored, requested == nil || requested == stored.timeframe {
                candles = stored.candles
                timeframe = stored.timeframe
                source = "stored"
            } else {
                let live = input.recent(name, timeframe)
                if !live.isEmpty {
                    candles = live
                    source = "memory"
                } else if let path = archived(name, timeframe, input) {
                    let loaded = try input.candles(path: path, timeframe: timeframe)
                    candles = loaded.candles
                    skipped = loaded.skipped
                    source = path
                } else {
                    throw DataSourceRequestError("No candle data available for \(name)")
                }
            }
        }
        let name = asset ?? ""
        guard candles.count >= minimumCandles else {
            throw DataSourceRequestError(
                "Insufficient data points for \(name): \(candles.count) (minimum \(minimumCandles) required)")
        }
        let specs = instances.map(\.spec)
        if let over = budget.check(specs, candles: candles.count, keptRows: min(limit, candles.count)) {
            throw DataSourceRequestError(over.message)
        }
        let table = IndicatorTable.compute(candles, specs: specs, keepingLast: limit)
        return ServerIndicatorsReply.encode(
            .init(
                asset: name, timeframe: timeframe, source: source, instances: instances, table: table,
                last: candles.last, dataPoints: candles.count, skipped: skipped))
    }

    /// Fewer candles than this are refused, as the original did.
    static let minimumCandles = 20

    /// A named instance and its spec.
    struct Instance {
        var name: String
        var spec: IndicatorSpec
        /// The `type` as the request spelled it (lowercased), echoed in the reply.
        var type: String
    }

    private static func parseInstances(_ value: JSONValue?, budget: IndicatorBudget) throws(DataSourceRequestError)
        -> [Instance]
    {
        let map: [String: JSONValue]
        switch value {
        case nil, .null?: return []
        case let .object(m)?: map = m
        default: throw DataSourceRequestError("instances must be an object {NAME: {type, params}}")
        }
        if let over = budget.checkInstances(map.count) { throw DataSourceRequestError(over.message) }
        var out: [Instance] = []
        for name in map.keys.sorted() {
            guard case let .object(def) = map[name]!, let type = def["type"]?.stringValue else {
                throw DataSourceRequestError("\(name): expected {type, params}")
            }
            var params: [String: Double] = [:]
            switch def["params"] {
            case nil, .null?: break
            case let .object(p)?:
                for (k, v) in p {
                    guard case let .number(n) = v else {
                        throw DataSourceRequestError("\(name): parameter \(k) must be a number")
                    }
                    params[k] = n
                }
            default:
                throw DataSourceRequestError("\(name): params must be an object")
            }
            do {
                out.append(
                    Instance(
                        name: name, spec: try IndicatorSpec(originalType: type, params: params), type: type.lowercased()
                    ))
            } catch {
                throw DataSourceRequestError("\(name): \(error.message)")
            }
        }
        return out
    }

    /// The path of the archived candle series of `asset` (any spelling) at `timeframe`.
    private static func archived(_ asset: String, _ timeframe: Timeframe, _ input: AnalysisRequestInput) -> String? {
        guard let catalog = input.catalog else { return nil }
        let name = timeframe.description
        let entries = catalog.listing(sizes: false).entries.filter {
            if case .archive(.candles, _) = $0.source { $0.timeframe == name } else { false }
        }
        let key = AssetDirectory.looseKey(asset)
        return (entries.first { $0.asset == asset } ?? entries.first { AssetDirectory.looseKey($0.asset) == key })?.path
    }

    /// Now, epoch seconds.
    static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
