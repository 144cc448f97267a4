import Candles
import Indicators
import TextWriters

/// The `indicators_calculated` payload in the original adapter's shape (compat.md, "The GUI's
/// analysis and cache events"), which the original GUI reads by name:
///
/// ```
/// {asset, timeframe_minutes, data_points, latest_timestamp, latest_price,
///  indicators: {NAME: {...latest values..., type, ...params}},
///  series: {NAME: ...}, signals: {NAME: "BUY"|"SELL"|"NEUTRAL"}, timestamp}
/// ```
/// plus qflux's `timeframe` (`"1m"`), `source` (`"stored"`, `"memory"` or the listed path) and
/// `skipped_records` (only when archived records were left out).
///
/// - One-line kinds: `indicators[NAME] = {value, type, ...params}` (SuperTrend adds its
///   `direction`), `series[NAME] = [{time, value}]` (rows with a value only).
/// - `macd`: `{macd, signal, histogram, …}`, series `{macd, signal, histogram}`;
///   `bollinger`: `{upper, middle, lower, …}`, series `{upper, middle, lower}`;
///   `stochastic`: `{k, d, …}`, series `{k, d}` – each a `[{time, value}]` list.
/// - `type` is the request's spelling; the parameters are the effective ones (defaults filled
///   in) under the original's names (``originalParameters(_:)``).
/// - `signals`: only for the kinds the original signalled (``signal(_:_:)``).
enum ServerIndicatorsReply {
    /// What one reply is made of.
    struct Content {
        var asset: String
        var timeframe: Timeframe
        var source: String
        var instances: [ServerIndicators.Instance]
        var table: IndicatorTable
        /// The series' last candle (the forming one for live candles).
        var last: AnalysisCandle?
        var dataPoints: Int
        var skipped: Int
    }

    /// The reply to a request without instances: `{asset, indicators: {}, series: {}, signals: {}, timestamp}`.
    static func empty(asset: String) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"indicators\":{},\"series\":{},\"signals\":{},\"timestamp\":")
        w.iso8601(millis: ServerIndicators.wallClock())
        w.raw("}")
        return w.bytes
    }

    /// The output names the original used for a multi-output kind, in the kind's column order.
    static func outputNames(_ kind: IndicatorKind) -> [String]? {
        switch kind {
        case .macd: ["macd", "signal", "histogram"]
        case .bbands: ["upper", "middle", "lower"]
        case .stoch: ["k", "d"]
        default: nil
        }
    }

    /// The effective parameters under the original's names (`std_dev` for Bollinger bands' `up`),
    /// except where a name is also an output: MACD's `signal` period is `signal_period`, the
    /// stochastic's `k` / `d` periods are `k_period` / `d_period` (the outputs keep `signal`, `k`,
    /// `d`, so no member appears twice); qflux's own names where the original had none.
    static func originalParameters(_ spec: IndicatorSpec) -> [(String, Double)] {
        let p = spec.parameters
        switch spec.kind {
        case .bbands:
            var out = [("period", p[0]), ("std_dev", p[1])]
            if p[2] != p[1] { out.append(("std_dev_down", p[2])) }
            return out
        case .macd:
            // `signal` is the signal line's value; its period goes under `signal_period`
            return [("fast", p[0]), ("slow", p[1]), ("signal_period", p[2])]
        case .stoch:
            var out = [("k_period", p[0]), ("d_period", p[1])]
            if p[2] != 3 { out.append(("slowd_period", p[2])) }
            return out
        default:
            return Array(zip(spec.kind.parameterNames, p))
        }
    }

    /// The original's signal of an indicator's latest outputs; nil for kinds it gave none
    /// (sma, ema, wma, atr, supertrend, bollinger, adx). A missing latest value is `NEUTRAL`.
    static func signal(_ kind: IndicatorKind, _ v: [Double?]) -> String? {
        func band(_ buyBelow: Double, _ sellAbove: Double) -> String {
            guard let x = v.first ?? nil else { return "NEUTRAL" }
            return x < buyBelow ? "BUY" : x > sellAbove ? "SELL" : "NEUTRAL"
        }
        switch kind {
        case .rsi: return band(30, 70)
        case .willr: return band(-80, -20)
        case .stc: return band(25, 75)
        case .demarker: return band(0.3, 0.7)
        case .cci: return band(-100, 100)
        case .roc:
            guard let x = v.first ?? nil else { return "NEUTRAL" }
            return x > 0 ? "BUY" : x < 0 ? "SELL" : "NEUTRAL"
        case .macd:
            guard v.count > 2, let hist = v[2] else { return "NEUTRAL" }
            return hist > 0 ? "BUY" : "SELL"
        case .stoch:
            guard v.count > 1, let k = v[0], let d = v[1] else { return "NEUTRAL" }
            return k < 20 && d < 20 ? "BUY" : k > 80 && d > 80 ? "SELL" : "NEUTRAL"
        case .sma, .ema, .wma, .atr, .supertrend, .bbands, .adx: return nil
        }
    }

    /// The payload.
    static func encode(_ c: Content) -> [UInt8] {
        let rows = c.table.timestamps.count
        var w = JSONWriter(capacity: 512 + c.instances.count * rows * 40)
        func value(_ v: Double?) { if let v, v.isFinite { w.number(v) } else { w.raw("null") } }
        var offsets: [Int] = []
        var at = 0
        for i in c.instances { offsets.append(at); at += i.spec.columns.count }
        let latest = c.table.values.last
        func cells(_ n: Int, row: [Double?]?) -> [Double?] {
            let count = c.instances[n].spec.columns.count
            guard let row else { return [Double?](repeating: nil, count: count) }
            return Array(row[offsets[n]..<(offsets[n] + count)])
        }

        w.raw("{\"asset\":"); w.string(c.asset)
        w.raw(",\"timeframe_minutes\":"); w.number(Double(c.timeframe.seconds) / 60)
        w.raw(",\"data_points\":"); w.number(Double(c.dataPoints))
        w.raw(",\"latest_timestamp\":"); value(c.last?.timestamp)
        w.raw(",\"latest_price\":"); value(c.last?.close)
        w.raw(",\"timeframe\":"); w.string(c.timeframe.description)
        w.raw(",\"source\":"); w.string(c.source)
        if c.skipped > 0 { w.raw(",\"skipped_records\":"); w.number(Double(c.skipped)) }

        w.raw(",\"indicators\":{")
        for (n, i) in c.instances.enumerated() {
            if n > 0 { w.comma() }
            w.string(i.name); w.raw(":{")
            let now = cells(n, row: latest)
            if let names = outputNames(i.spec.kind) {
                for (k, o) in names.enumerated() {
                    if k > 0 { w.comma() }
                    w.string(o); w.raw(":"); value(now[k])
                }
            } else {
                w.raw("\"value\":"); value(now[0])
                if i.spec.kind == .supertrend { w.raw(",\"direction\":"); value(now[1]) }
            }
            w.raw(",\"type\":"); w.string(i.type)
            for (name, v) in originalParameters(i.spec) {
                w.comma(); w.string(name); w.raw(":"); w.number(v)
            }
            w.raw("}")
        }

        w.raw("},\"series\":{")
        for (n, i) in c.instances.enumerated() {
            if n > 0 { w.comma() }
            w.string(i.name); w.raw(":")
            func line(_ column: Int) {
                w.raw("[")
                var wrote = false
                for r in 0..<rows {
                    guard let v = c.table.values[r][offsets[n] + column], v.isFinite else { continue }
                    if wrote { w.comma() }
                    wrote = true
                    w.raw("{\"time\":"); w.number(c.table.timestamps[r])
                    w.raw(",\"value\":"); w.number(v); w.raw("}")
                }
                w.raw("]")
            }
            if let names = outputNames(i.spec.kind) {
                w.raw("{")
                for (k, o) in names.enumerated() {
                    if k > 0 { w.comma() }
                    w.string(o); w.raw(":"); line(k)
                }
                w.raw("}")
            } else {
                line(0)
            }
        }

        w.raw("},\"signals\":{")
        var wroteSignal = false
        for (n, i) in c.instances.enumerated() {
            guard let s = signal(i.spec.kind, cells(n, row: latest)) else { continue }
            if wroteSignal { w.comma() }
            wroteSignal = true
            w.string(i.name); w.raw(":"); w.string(s)
        }
        w.raw("},\"timestamp\":"); w.iso8601(millis: ServerIndicators.wallClock())
        w.raw("}")
        return w.bytes
    }
}
