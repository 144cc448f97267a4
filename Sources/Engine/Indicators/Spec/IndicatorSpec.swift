/// One configured indicator: its kind and full parameter list (defaults filled in).
package struct IndicatorSpec: Sendable, Hashable {
    /// Which indicator.
    package var kind: IndicatorKind
    /// Parameters, one per `kind.parameterNames` entry.
    package var parameters: [Double]
    /// How many parameters the name shows: all of them, except Bollinger bands with equal
    /// multipliers, which show `period` and the one multiplier (`bbands_20_2`).
    package var shownParameterCount: Int

    /// Creates a spec, checking the parameter count, whole numbers and TA-Lib's ranges.
    package init(kind: IndicatorKind, parameters given: [Double]) throws(IndicatorSpecError) {
        let names = kind.parameterNames
        guard given.count >= kind.minimumParameters else {
            throw IndicatorSpecError(
                "\(kind.rawValue) needs at least \(kind.minimumParameters) parameter(s) (\(names.joined(separator: ", "))), got \(given.count)"
            )
        }
        guard given.count <= names.count else {
            throw IndicatorSpecError(
                "\(kind.rawValue) takes at most \(names.count) parameter(s) (\(names.joined(separator: ", "))), got \(given.count)"
            )
        }
        var all = given
        if all.count < names.count { all += kind.defaults[all.count...] }
        if kind == .bbands && given.count == 2 { all[2] = all[1] }
        for (i, v) in all.enumerated() {
            guard v.isFinite else { throw IndicatorSpecError("\(kind.rawValue): \(names[i]) must be a finite number") }
            if kind.integerParameters[i] && v != v.rounded() {
                throw IndicatorSpecError(
                    "\(kind.rawValue): \(names[i]) must be a whole number, got \(formatParameter(v))")
            }
            if v < kind.minimums[i] {
                throw IndicatorSpecError(
                    "\(kind.rawValue): \(names[i]) must be at least \(formatParameter(kind.minimums[i])), got \(formatParameter(v))"
                )
            }
            if kind.integerParameters[i] && v > 100_000 {
                throw IndicatorSpecError(
                    "\(kind.rawValue): \(names[i]) must be at most 100000, got \(formatParameter(v))")
            }
        }
        self.kind = kind
        parameters = all
        shownParameterCount = kind == .bbands && all[1] == all[2] ? 2 : names.count
    }

    /// The base column name: `<name>_<params joined by _>`, e.g. `rsi_14`, `bbands_20_2.5`.
    package var name: String {
        ([kind.rawValue] + parameters.prefix(shownParameterCount).map(formatParameter)).joined(separator: "_")
    }

    /// Output column names, e.g. `macd_12_26_9`, `macd_12_26_9_signal`, `macd_12_26_9_hist`.
    package var columns: [String] {
        kind.outputs.map { $0.isEmpty ? name : name + "_" + $0 }
    }

    /// The spec as written back, e.g. `bbands(20,2)`.
    package var text: String {
        kind.rawValue + "(" + parameters.prefix(shownParameterCount).map(formatParameter).joined(separator: ",") + ")"
    }

    /// Integer parameter `i`.
    package func int(_ i: Int) -> Int { Int(parameters[i]) }

    /// A fresh indicator for this spec.
    package func makeIndicator() -> AnyIndicator {
        switch kind {
        case .sma: .sma(SMA(period: int(0)))
        case .ema: .ema(EMA(period: int(0)))
        case .wma: .wma(WMA(period: int(0)))
        case .rsi: .rsi(RSI(period: int(0)))
        case .macd: .macd(MACD(fast: int(0), slow: int(1), signal: int(2)))
        case .bbands: .bbands(BollingerBands(period: int(0), up: parameters[1], down: parameters[2]))
        case .stoch: .stoch(Stochastic(fastK: int(0), slowK: int(1), slowD: int(2)))
        case .atr: .atr(ATR(period: int(0)))
        case .cci: .cci(CCI(period: int(0)))
        case .willr: .willr(WilliamsR(period: int(0)))
        case .roc: .roc(ROC(period: int(0)))
        case .adx: .adx(ADX(period: int(0)))
        case .supertrend: .supertrend(SuperTrend(period: int(0), multiplier: parameters[1]))
        case .demarker: .demarker(DeMarker(period: int(0)))
        case .stc: .stc(SchaffTrendCycle(fast: int(0), slow: int(1), dMACD: int(2), dPF: int(3)))
        }
    }
}

/// Formats a parameter for a column name: whole numbers without a fraction (`2`), others in
/// shortest round-trip form (`2.5`).
package func formatParameter(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}
