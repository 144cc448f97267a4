import Candles
import Indicators

/// Why a live indicator request was refused: the `error` of `indicators_error`.
struct LiveIndicatorError: Error, Equatable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Reads the untrusted parts of `subscribe_indicators` (network thread): every size is bounded
/// before anything is parsed.
enum LiveIndicatorRequest {
    /// The specs of `indicators`: one spec string (`"ema(20),rsi(14)"`) or an array of them,
    /// deduplicated and in a canonical order (sorted by their text), so that clients asking for the
    /// same set in another order or spelling share one computation.
    static func specs(_ value: JSONValue?, limits: LiveIndicatorLimits) throws(LiveIndicatorError) -> [IndicatorSpec] {
        var pieces: [String] = []
        switch value {
        case .string(let s):
            pieces = [s]
        case .array(let items):
            guard items.count <= limits.maxIndicatorsPerClient else {
                throw LiveIndicatorError(
                    "too many indicators: \(items.count) (at most \(limits.maxIndicatorsPerClient) per client)")
            }
            for item in items {
                guard let s = item.stringValue else {
                    throw LiveIndicatorError("indicators: every entry must be a string such as \"ema(20)\"")
                }
                pieces.append(s)
            }
        case nil, .null:
            throw LiveIndicatorError(
                "subscribe_indicators needs \"indicators\": a spec such as \"ema(20),rsi(14)\" or a list of them")
        default:
            throw LiveIndicatorError("indicators must be a string such as \"ema(20),rsi(14)\" or a list of them")
        }
        let bytes = pieces.reduce(0) { $0 + $1.utf8.count }
        guard bytes <= limits.maxSpecBytes else {
            throw LiveIndicatorError("indicator spec too long: \(bytes) bytes (at most \(limits.maxSpecBytes))")
        }
        var specs: [IndicatorSpec] = []
        for piece in pieces {
            let parsed: [IndicatorSpec]
            do { parsed = try IndicatorSpecParser.parse(piece) } catch { throw LiveIndicatorError(error.message) }
            for spec in parsed where !specs.contains(spec) {
                try checkPeriods(spec, limits: limits)
                specs.append(spec)
            }
        }
        guard specs.count <= limits.maxIndicatorsPerClient else {
            throw LiveIndicatorError(
                "too many indicators: \(specs.count) (at most \(limits.maxIndicatorsPerClient) per client)")
        }
        return specs.sorted { $0.text < $1.text }
    }

    /// A whole-number parameter above `maxPeriod` would make a large window per computation.
    private static func checkPeriods(_ spec: IndicatorSpec, limits: LiveIndicatorLimits) throws(LiveIndicatorError) {
        for (i, v) in spec.parameters.enumerated() where spec.kind.integerParameters[i] && v > Double(limits.maxPeriod)
        {
            throw LiveIndicatorError(
                "\(spec.kind.rawValue): \(spec.kind.parameterNames[i]) must be at most \(limits.maxPeriod) for live indicators, got \(formatParameter(v))"
            )
        }
    }

    /// `timeframe`: a name (`"5s"`, `"1m"`) or seconds; missing = 1m; nil when unreadable.
    static func timeframe(_ value: JSONValue?) -> Timeframe? {
        switch value {
        case nil, .null: return .oneMinute
        case .string(let text): return Timeframe(parsing: text)
        case .number(let n) where n >= 1 && n <= 604_800 && n == n.rounded(): return Timeframe(seconds: Int(n))
        default: return nil
        }
    }
}
