import Archive
import Candles
import FastDecode
import Indicators
import SocketIOServer

#if canImport(Glibc)
import Glibc
import TextWriters
#endif

/// `calculate_indicators` in the original's instance format →
/// `indicators_calculated {asset, timeframe, source, indicators, series, signals, timestamp}`.
///
/// Request: `{asset, instances: {"SMA-20": {type: "sma", params: {period: 20}}, "BB-20":
/// {type: "bollinger", params: {period: 20, std_dev: 2}}, …}}`, plus qflux's optional
/// `timeframe` (default `1m`), `file_path` (a listed file instead of the live candles) and
/// `limit` (points per series, default 500).
///
/// Candles: the node's recent candles of `asset` at `timeframe` (the forming one last); when it
/// has none, the data directory's archived series of that asset and timeframe; or the listed
/// file `file_path`.
///
/// Reply: `indicators[NAME]` is the latest value – a number, or an object of outputs for
/// MACD (`macd`, `signal`, `hist`), Bollinger bands (`upper`, `middle`, `lower`), stochastic
/// (`k`, `d`), SuperTrend (`supertrend`, `direction`); null before the indicator's lookback.
/// `series[NAME]` is `[{time, value}]` (or `{time, <outputs>}`), time = candle open in epoch
/// seconds, points before the lookback left out. `signals[NAME]`: RSI and stochastic
/// `overbought` / `oversold` / `neutral` (70/30, 80/20); MACD `bullish` / `bearish` (histogram
/// sign); Bollinger `above_upper` / `below_lower` / `inside`; SMA/EMA/WMA `bullish` / `bearish`
/// (last close above / below). `skipped_records` (only when there are some): archived records
/// left out for absurd values.
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
        let instances = try parseInstances(fields["instances"], budget: budget)
        var limit = defaultLimit
        if let l = fields["limit"] {
            guard case let .number(n) = l, n >= 1, n == n.rounded() else {
                throw DataSourceRequestError("limit must be a whole number ≥ 1")
            }
            limit = Int(min(n, Double(maxLimit)))
        }
        let requested = try ServerAnalysisFields.timeframe(fields)
        let timeframe = requested ?? .oneMinute
        var asset = fields["asset"]?.stringValue
        let candles: [AnalysisCandle]
        let source: String
        var skipped = 0
        if let path = fields["file_path"]?.stringValue, !path.isEmpty {
            let loaded = try input.candles(path: path, timeframe: requested)
            candles = loaded.candles
            source = loaded.entry.path
            skipped = loaded.skipped
            if asset == nil { asset = loaded.entry.asset }
        } else {
            guard let name = asset, !name.isEmpty else { throw DataSourceRequestError("No asset provided") }
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
                throw DataSourceRequestError(
                    "no candles for \(name) at \(timeframe) (none received yet, none archived)")
            }
        }
        let specs = instances.map(\.spec)
        if let over = budget.check(specs, candles: candles.count, keptRows: min(limit, candles.count)) {
            throw DataSourceRequestError(over.message)
        }
        let table = IndicatorTable.compute(candles, specs: specs, keepingLast: limit)
        return encode(
            asset: asset ?? "", timeframe: timeframe, source: source, instances: instances, table: table,
            lastClose: candles.last?.close, limit: limit, skipped: skipped)
    }

    /// A named instance and its spec.
    struct Instance {
        var name: String
        var spec: IndicatorSpec
    }

    private static func parseInstances(_ value: JSONValue?, budget: IndicatorBudget) throws(DataSourceRequestError)
        -> [Instance]
    {
        guard case let .object(map)? = value, !map.isEmpty else {
            throw DataSourceRequestError("No indicator instances provided (instances: {NAME: {type, params}})")
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
                out.append(Instance(name: name, spec: try IndicatorSpec(originalType: type, params: params)))
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

    private static func encode(
        asset: String, timeframe: Timeframe, source: String, instances: [Instance], table: IndicatorTable,
        lastClose: Double?, limit: Int, skipped: Int
    ) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + instances.count * min(limit, table.timestamps.count) * 40)
        func value(_ v: Double?) { if let v, v.isFinite { w.number(v) } else { w.raw("null") } }
        func outputName(_ spec: IndicatorSpec, _ o: String) -> String { o.isEmpty ? spec.kind.rawValue : o }
        // Column offset of each instance.
        var offsets: [Int] = []
        var at = 0
        for i in instances { offsets.append(at); at += i.spec.columns.count }
        let last = table.values.last
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(timeframe.description)
        w.raw(",\"source\":"); w.string(source)
        w.raw(",\"candles\":"); w.number(Double(table.candleCount))
        if skipped > 0 { w.raw(",\"skipped_records\":"); w.number(Double(skipped)) }
        w.raw(",\"indicators\":{")
        for (n, i) in instances.enumerated() {
            if n > 0 { w.comma() }
            w.string(i.name); w.raw(":")
            let outputs = i.spec.kind.outputs
            if outputs.count == 1 {
                value(last?[offsets[n]])
            } else {
                w.raw("{")
                for (k, o) in outputs.enumerated() {
                    if k > 0 { w.comma() }
                    w.string(outputName(i.spec, o)); w.raw(":"); value(last?[offsets[n] + k])
                }
                w.raw("}")
            }
        }
        w.raw("},\"series\":{")
        let first = max(0, table.timestamps.count - limit)
        for (n, i) in instances.enumerated() {
            if n > 0 { w.comma() }
            w.string(i.name); w.raw(":[")
            let outputs = i.spec.kind.outputs
            var wrote = false
            for row in first..<table.timestamps.count {
                let cells = table.values[row][offsets[n]..<(offsets[n] + outputs.count)]
                guard cells.contains(where: { $0 != nil }) else { continue }
                if wrote { w.comma() }
                wrote = true
                w.raw("{\"time\":"); w.number(table.timestamps[row])
                if outputs.count == 1 {
                    w.raw(",\"value\":"); value(cells.first!)
                } else {
                    for (k, o) in outputs.enumerated() {
                        w.comma(); w.string(outputName(i.spec, o)); w.raw(":"); value(cells[offsets[n] + k])
                    }
                }
                w.raw("}")
            }
            w.raw("]")
        }
        w.raw("},\"signals\":{")
        var wroteSignal = false
        for (n, i) in instances.enumerated() {
            guard let row = last,
                let s = signal(
                    i.spec.kind, Array(row[offsets[n]..<(offsets[n] + i.spec.columns.count)]), close: lastClose)
            else { continue }
            if wroteSignal { w.comma() }
            wroteSignal = true
            w.string(i.name); w.raw(":"); w.string(s)
        }
        w.raw("},\"timestamp\":"); w.iso8601(millis: wallClock())
        w.raw("}")
        return w.bytes
    }

    /// The signal of an indicator's latest outputs, when it has one.
    static func signal(_ kind: IndicatorKind, _ v: [Double?], close: Double?) -> String? {
        guard let first = v.first ?? nil else { return nil }
        switch kind {
        case .rsi: return first > 70 ? "overbought" : first < 30 ? "oversold" : "neutral"
        case .stoch: return first > 80 ? "overbought" : first < 20 ? "oversold" : "neutral"
        case .macd:
            guard v.count > 2, let hist = v[2] else { return nil }
            return hist > 0 ? "bullish" : "bearish"
        case .bbands:
            guard let close, let upper = v[0], let lower = v[2] else { return nil }
            return close > upper ? "above_upper" : close < lower ? "below_lower" : "inside"
        case .sma, .ema, .wma:
            guard let close else { return nil }
            return close > first ? "bullish" : "bearish"
        default: return nil
        }
    }

    /// Now, epoch seconds.
    private static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
