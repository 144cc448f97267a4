/// Any of the indicators, writing its outputs as plain numbers (NaN = no value yet).
package enum AnyIndicator: Sendable {
    /// SMA.
    case sma(SMA)
    /// EMA.
    case ema(EMA)
    /// WMA.
    case wma(WMA)
    /// RSI.
    case rsi(RSI)
    /// MACD.
    case macd(MACD)
    /// Bollinger bands.
    case bbands(BollingerBands)
    /// Stochastic.
    case stoch(Stochastic)
    /// ATR.
    case atr(ATR)
    /// CCI.
    case cci(CCI)
    /// Williams %R.
    case willr(WilliamsR)
    /// ROC.
    case roc(ROC)
    /// ADX.
    case adx(ADX)
    /// SuperTrend.
    case supertrend(SuperTrend)
    /// DeMarker.
    case demarker(DeMarker)
    /// Schaff Trend Cycle.
    case stc(SchaffTrendCycle)
    /// Placeholder held only while an indicator is updated in place (avoids copying its buffers).
    case idle

    /// Number of output columns.
    package var outputCount: Int {
        switch self {
        case .macd, .bbands: 3
        case .stoch, .supertrend: 2
        case .idle: 0
        default: 1
        }
    }

    /// Commits a closed candle and writes the outputs to `out[offset...]` (NaN before the lookback).
    package mutating func push(_ c: AnalysisCandle, into out: inout [Double], at offset: Int) {
        switch self {
        case .sma(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .sma(x)
        case .ema(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .ema(x)
        case .wma(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .wma(x)
        case .rsi(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .rsi(x)
        case .macd(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .macd(x)
        case .bbands(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .bbands(x)
        case .stoch(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .stoch(x)
        case .atr(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .atr(x)
        case .cci(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .cci(x)
        case .willr(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .willr(x)
        case .roc(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .roc(x)
        case .adx(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .adx(x)
        case .supertrend(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .supertrend(x)
        case .demarker(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .demarker(x)
        case .stc(var x): self = .idle; Self.write(x.push(c), &out, offset); self = .stc(x)
        case .idle: break
        }
    }

    /// Writes the outputs `c` would give as a forming candle, changing nothing.
    package func preview(_ c: AnalysisCandle, into out: inout [Double], at offset: Int) {
        switch self {
        case .sma(let x): Self.write(x.preview(c), &out, offset)
        case .ema(let x): Self.write(x.preview(c), &out, offset)
        case .wma(let x): Self.write(x.preview(c), &out, offset)
        case .rsi(let x): Self.write(x.preview(c), &out, offset)
        case .macd(let x): Self.write(x.preview(c), &out, offset)
        case .bbands(let x): Self.write(x.preview(c), &out, offset)
        case .stoch(let x): Self.write(x.preview(c), &out, offset)
        case .atr(let x): Self.write(x.preview(c), &out, offset)
        case .cci(let x): Self.write(x.preview(c), &out, offset)
        case .willr(let x): Self.write(x.preview(c), &out, offset)
        case .roc(let x): Self.write(x.preview(c), &out, offset)
        case .adx(let x): Self.write(x.preview(c), &out, offset)
        case .supertrend(let x): Self.write(x.preview(c), &out, offset)
        case .demarker(let x): Self.write(x.preview(c), &out, offset)
        case .stc(let x): Self.write(x.preview(c), &out, offset)
        case .idle: break
        }
    }

    @inline(__always)
    private static func write(_ v: Double?, _ out: inout [Double], _ o: Int) { out[o] = v ?? .nan }

    @inline(__always)
    private static func write(_ v: MACD.Value?, _ out: inout [Double], _ o: Int) {
        out[o] = v?.macd ?? .nan
        out[o + 1] = v?.signal ?? .nan
        out[o + 2] = v?.hist ?? .nan
    }

    @inline(__always)
    private static func write(_ v: BollingerBands.Value?, _ out: inout [Double], _ o: Int) {
        out[o] = v?.upper ?? .nan
        out[o + 1] = v?.middle ?? .nan
        out[o + 2] = v?.lower ?? .nan
    }

    @inline(__always)
    private static func write(_ v: Stochastic.Value?, _ out: inout [Double], _ o: Int) {
        out[o] = v?.k ?? .nan
        out[o + 1] = v?.d ?? .nan
    }

    @inline(__always)
    private static func write(_ v: SuperTrend.Value?, _ out: inout [Double], _ o: Int) {
        out[o] = v?.value ?? .nan
        out[o + 1] = v?.direction ?? .nan
    }
}
