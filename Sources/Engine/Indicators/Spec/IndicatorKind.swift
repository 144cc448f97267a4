/// The indicators a spec can name, with their parameters and outputs.
package enum IndicatorKind: String, Sendable, CaseIterable {
    /// Simple moving average.
    case sma
    /// Exponential moving average.
    case ema
    /// Weighted moving average.
    case wma
    /// Relative strength index.
    case rsi
    /// MACD line, signal and histogram.
    case macd
    /// Bollinger bands.
    case bbands
    /// Slow stochastic.
    case stoch
    /// Average true range.
    case atr
    /// Commodity channel index.
    case cci
    /// Williams %R.
    case willr
    /// Rate of change.
    case roc
    /// Average directional index.
    case adx
    /// SuperTrend.
    case supertrend
    /// DeMarker (the original tool's formula).
    case demarker
    /// Schaff Trend Cycle (the original tool's formula).
    case stc

    /// Other spellings accepted in specs.
    package static let aliases: [String: IndicatorKind] = [
        "bollinger": .bbands, "bb": .bbands, "williams_r": .willr, "williamsr": .willr,
        "stochastic": .stoch, "st": .supertrend, "schaff_tc": .stc, "schaff": .stc, "dem": .demarker,
    ]

    /// Parameter names, in order.
    package var parameterNames: [String] {
        switch self {
        case .sma, .ema, .wma, .rsi, .atr, .cci, .willr, .roc, .adx, .demarker: ["period"]
        case .macd: ["fast", "slow", "signal"]
        case .bbands: ["period", "up", "down"]
        case .stoch: ["fastk", "slowk", "slowd"]
        case .supertrend: ["period", "multiplier"]
        case .stc: ["fast", "slow", "d_macd", "d_pf"]
        }
    }

    /// Defaults, used for parameters left out (TA-Lib's defaults where it has them).
    package var defaults: [Double] {
        switch self {
        case .sma, .ema, .wma: [30]
        case .rsi, .atr, .cci, .willr, .adx: [14]
        case .roc, .demarker: [10]
        case .macd: [12, 26, 9]
        case .bbands: [20, 2, 2]
        case .stoch: [5, 3, 3]
        case .supertrend: [10, 3]
        case .stc: [10, 20, 3, 3]
        }
    }

    /// How many parameters must be given at least (the rest take defaults).
    package var minimumParameters: Int {
        switch self {
        case .bbands: 1
        case .supertrend: 1
        default: 0
        }
    }

    /// Which parameters must be whole numbers.
    package var integerParameters: [Bool] {
        switch self {
        case .bbands: [true, false, false]
        case .supertrend: [true, false]
        default: parameterNames.map { _ in true }
        }
    }

    /// The smallest allowed value of each parameter (TA-Lib's ranges).
    package var minimums: [Double] {
        switch self {
        case .sma, .ema, .wma, .rsi, .cci, .willr, .adx: [2]
        case .atr, .roc, .demarker: [1]
        case .macd: [2, 2, 1]
        case .bbands: [2, 0, 0]
        case .stoch: [1, 1, 1]
        case .supertrend: [1, 0]
        case .stc: [1, 1, 1, 1]
        }
    }

    /// Output names after the base column name (`""` = the base name itself).
    package var outputs: [String] {
        switch self {
        case .macd: ["", "signal", "hist"]
        case .bbands: ["upper", "middle", "lower"]
        case .stoch: ["k", "d"]
        case .supertrend: ["", "direction"]
        default: [""]
        }
    }
}
