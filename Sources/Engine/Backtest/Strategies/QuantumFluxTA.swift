import Indicators

/// `quantum_flux_ta`: the original's scoring on real indicators (TA-Lib EMA, Wilder RSI, MACD with
/// a real signal line, Bollinger bands), decided at candle i from candles 0...i (i closed).
///
/// Score, in this order: RSI below `rsiLow` +0.4 / above `rsiHigh` -0.4; MACD histogram > 0 +0.3
/// else -0.3; close below the lower band +0.3 / above the upper -0.3; fast EMA above slow +0.2
/// else -0.2; clipped to [-1, 1]. A signal needs `|score| >= threshold` (0.6). No signal until
/// every indicator has a value.
package struct QuantumFluxTA: SignalStrategy {
    /// Tunable parameters (names as used by sweeps: `rsi.period`, `bbands.k`, ...).
    package struct Parameters: Sendable, Equatable {
        /// RSI period.
        package var rsiPeriod = 14
        /// RSI oversold level.
        package var rsiLow = 30.0
        /// RSI overbought level.
        package var rsiHigh = 70.0
        /// MACD fast period.
        package var macdFast = 12
        /// MACD slow period.
        package var macdSlow = 26
        /// MACD signal period.
        package var macdSignal = 9
        /// Bollinger period.
        package var bbandsPeriod = 20
        /// Bollinger multiplier.
        package var bbandsK = 2.0
        /// Fast EMA period.
        package var emaFast = 12
        /// Slow EMA period.
        package var emaSlow = 26
        /// Minimum |score| for a signal.
        package var threshold = 0.6

        /// The defaults.
        package init() {}

        /// Names accepted by `set(_:_:)`.
        package static let names = [
            "rsi.period", "rsi.low", "rsi.high", "macd.fast", "macd.slow", "macd.signal",
            "bbands.period", "bbands.k", "ema.fast", "ema.slow", "threshold",
        ]

        /// Sets a parameter by name; returns an error message for an unknown name or bad value.
        package mutating func set(_ name: String, _ v: Double) -> String? {
            let whole = v == v.rounded() && v >= 2 && v <= 100_000
            func int(_ assign: (Int) -> Void) -> String? {
                guard whole else { return "\(name) must be a whole number >= 2, got \(v)" }
                assign(Int(v))
                return nil
            }
            switch name {
            case "rsi.period": return int { rsiPeriod = $0 }
            case "rsi.low": rsiLow = v
            case "rsi.high": rsiHigh = v
            case "macd.fast": return int { macdFast = $0 }
            case "macd.slow": return int { macdSlow = $0 }
            case "macd.signal": return int { macdSignal = $0 }
            case "bbands.period": return int { bbandsPeriod = $0 }
            case "bbands.k": bbandsK = v
            case "ema.fast": return int { emaFast = $0 }
            case "ema.slow": return int { emaSlow = $0 }
            case "threshold": threshold = v
            default:
                return
                    "unknown parameter \"\(name)\" for quantum_flux_ta (known: \(Self.names.joined(separator: ", ")))"
            }
            return nil
        }
    }

    /// The parameters.
    package var parameters: Parameters

    /// Creates the strategy.
    package init(parameters: Parameters = Parameters()) { self.parameters = parameters }

    /// `quantum_flux_ta`.
    package var name: String { "quantum_flux_ta" }

    /// Signals for every candle.
    package func signals(for candles: [AnalysisCandle], window: Int) -> [TradeSignal?] {
        var stepper = QuantumFluxTAStepper(parameters: parameters)
        var out = [TradeSignal?](repeating: nil, count: candles.count)
        for (i, c) in candles.enumerated() {
            let reading = stepper.push(c)
            guard i >= window, let reading else { continue }
            out[i] = stepper.decide(reading)
        }
        return out
    }
}
