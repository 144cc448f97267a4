import Backtest
import Candles
import Indicators
import SocketIOServer
import TextWriters

/// `generate_signal` and `execute_strategy` (compat.md, "Signals in the original").
///
/// Request: `{candles: [{open, high, low, close, timestamp?, …}…], strategy}`; without
/// `candles`, qflux takes `asset`'s series stored by `store_csv_candles`, else its recent 1m
/// candles. `strategy`: `quantum_flux` (default), `quantum_flux_ta` (with optional
/// `parameters`), or `rules` with the rules text in `rules` (and optional `parameters`).
///
/// - `generate_signal` → `signal_generated {signal: "call"|"put"|"neutral", confidence,
///   strength, indicators: {rsi, macd, macd_signal, macd_histogram, bb_upper, bb_middle,
///   bb_lower, ema_12, ema_26, close}, timestamp}` plus qflux's `score` and `strategy`. For
///   `quantum_flux` the score is the original's on all the given closes; neutral (fewer than
///   50 candles, or `|score| < 0.2`) is `{signal: "neutral", confidence: 0.0, strength: 0.0,
///   timestamp}`. For `quantum_flux_ta` and rules the signal is the strategy's at the last
///   candle, confidence 1 when it gives one (no indicators).
/// - `execute_strategy` → `strategy_result {signal, asset, timestamp}`: the direction only when
///   the signal counts (confidence ≥ 0.6 for `quantum_flux`), else `"neutral"`.
/// - Errors (`signal_error {error}` / `strategy_error {error}`): `No candles provided`,
///   `Unknown strategy: X`, a candle without a close, more than
///   ``StoredCandleStore/maxCandlesPerSeries`` candles, bad rules text or parameters.
enum ServerSignals {
    /// The decision of a request.
    struct Decision {
        var signal: TradeSignal?
        var confidence: Double
        /// Whether the signal counts (`execute_strategy`).
        var valid: Bool
        var reading: QuantumFluxReading?
        var strategy: String
    }

    /// `generate_signal`: the `signal_generated` payload.
    static func generate(
        _ request: JSONValue?, stored: StoredCandleStore, recent: @Sendable (String) -> [AnalysisCandle]
    ) throws(DataSourceRequestError) -> [UInt8] {
        let d = try decide(request, stored: stored, recent: recent)
        var w = JSONWriter(capacity: 512)
        guard let signal = d.signal else {
            w.raw("{\"signal\":\"neutral\",\"confidence\":0.0,\"strength\":0.0")
            if let r = d.reading { w.raw(",\"score\":"); w.number(r.score) }
            w.raw(",\"strategy\":"); w.string(d.strategy)
            w.raw(",\"timestamp\":"); w.iso8601(millis: ServerIndicators.wallClock()); w.raw("}")
            return w.bytes
        }
        w.raw("{\"signal\":"); w.string(signal.rawValue)
        w.raw(",\"confidence\":"); w.number(d.confidence)
        w.raw(",\"strength\":"); w.number(d.confidence)
        if let r = d.reading {
            w.raw(",\"indicators\":{\"rsi\":"); w.number(r.rsi)
            w.raw(",\"macd\":"); w.number(r.macd)
            w.raw(",\"macd_signal\":"); w.number(r.macdSignal)
            w.raw(",\"macd_histogram\":"); w.number(r.macdHistogram)
            w.raw(",\"bb_upper\":"); w.number(r.bbUpper)
            w.raw(",\"bb_middle\":"); w.number(r.bbMiddle)
            w.raw(",\"bb_lower\":"); w.number(r.bbLower)
            w.raw(",\"ema_12\":"); w.number(r.ema12)
            w.raw(",\"ema_26\":"); w.number(r.ema26)
            w.raw(",\"close\":"); w.number(r.close)
            w.raw("},\"score\":"); w.number(r.score)
        }
        w.raw(",\"strategy\":"); w.string(d.strategy)
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerIndicators.wallClock()); w.raw("}")
        return w.bytes
    }

    /// `execute_strategy`: the `strategy_result` payload.
    static func execute(
        _ request: JSONValue?, stored: StoredCandleStore, recent: @Sendable (String) -> [AnalysisCandle]
    ) throws(DataSourceRequestError) -> [UInt8] {
        let d = try decide(request, stored: stored, recent: recent)
        var w = JSONWriter(capacity: 160)
        w.raw("{\"signal\":"); w.string(d.valid ? (d.signal?.rawValue ?? "neutral") : "neutral")
        w.raw(",\"asset\":")
        if let a = request?["asset"]?.stringValue { w.string(a) } else { w.raw("null") }
        w.raw(",\"strategy\":"); w.string(d.strategy)
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerIndicators.wallClock()); w.raw("}")
        return w.bytes
    }

    /// The strategy's decision on the request's candles.
    static func decide(
        _ request: JSONValue?, stored: StoredCandleStore, recent: @Sendable (String) -> [AnalysisCandle]
    ) throws(DataSourceRequestError) -> Decision {
        let candles = try candles(request, stored: stored, recent: recent)
        let name: String
        switch request?["strategy"] {
        case nil, .null?: name = "quantum_flux"
        case .string(let s)?: name = s
        default: throw DataSourceRequestError("Unknown strategy: \(request?["strategy"].map { "\($0)" } ?? "")")
        }
        var parameters: [String: Double] = [:]
        if case .object(let p)? = request?["parameters"] {
            for (k, v) in p {
                guard case .number(let n) = v else { throw DataSourceRequestError("parameter \(k) must be a number") }
                parameters[k] = n
            }
        }
        if name == "quantum_flux" && parameters.isEmpty {
            let closes = candles.map(\.close)
            let reading = QuantumFlux.reading(closes: closes, end: closes.count)
            guard let r = reading, abs(r.score) >= 0.2 else {
                return Decision(signal: nil, confidence: 0, valid: false, reading: reading, strategy: name)
            }
            return Decision(
                signal: r.score > 0 ? .call : .put, confidence: r.confidence,
                valid: QuantumFlux.decide(r.score) != nil, reading: r, strategy: name)
        }
        let made: Result<any SignalStrategy, StrategyError>
        if name == "rules" {
            guard let text = request?["rules"]?.stringValue, !text.isEmpty else {
                throw DataSourceRequestError("strategy rules needs the rules text in \"rules\"")
            }
            guard text.utf8.count <= maxRulesBytes else {
                throw DataSourceRequestError("rules text over \(maxRulesBytes) bytes")
            }
            made = StrategyCatalog.make(rules: text, parameters: parameters)
        } else {
            made = StrategyCatalog.make(name: name, parameters: parameters)
        }
        let strategy: any SignalStrategy
        switch made {
        case .success(let s): strategy = s
        case .failure(let e):
            throw DataSourceRequestError(
                StrategyCatalog.names.contains(name) || name == "rules" ? e.message : "Unknown strategy: \(name)")
        }
        let signal = strategy.signals(for: candles, window: 0).last ?? nil
        return Decision(signal: signal, confidence: signal == nil ? 0 : 1, valid: signal != nil, strategy: name)
    }

    /// Longest rules text accepted.
    static let maxRulesBytes = 64 * 1024

    /// The request's candles, else the asset's stored series, else its recent candles.
    private static func candles(
        _ request: JSONValue?, stored: StoredCandleStore, recent: @Sendable (String) -> [AnalysisCandle]
    ) throws(DataSourceRequestError) -> [AnalysisCandle] {
        if let rows = request?["candles"]?.arrayValue, !rows.isEmpty {
            guard rows.count <= StoredCandleStore.maxCandlesPerSeries else {
                throw DataSourceRequestError(
                    "Too many candles: \(rows.count) (at most \(StoredCandleStore.maxCandlesPerSeries))")
            }
            var out: [AnalysisCandle] = []
            out.reserveCapacity(rows.count)
            var increasing = true
            for (i, row) in rows.enumerated() {
                guard case .number(let close)? = row["close"], close.isFinite else {
                    throw DataSourceRequestError("candle \(i + 1): no close")
                }
                func price(_ k: String) -> Double {
                    if case .number(let v)? = row[k], v.isFinite { v } else { close }
                }
                var t = Double(i)
                if case .number(let v)? = row["timestamp"], v.isFinite { t = v }
                if let last = out.last, t <= last.timestamp { increasing = false }
                out.append(
                    AnalysisCandle(
                        timestamp: t, open: price("open"), high: price("high"), low: price("low"), close: close))
            }
            if !increasing { for i in out.indices { out[i].timestamp = Double(i) } }
            return out
        }
        if let asset = request?["asset"]?.stringValue, !asset.isEmpty {
            if let s = stored.series(asset) { return s.candles }
            let live = recent(asset)
            if !live.isEmpty { return live }
        }
        throw DataSourceRequestError("No candles provided")
    }
}
