/// The original tool's `calculate_indicators` form: `{type: "bollinger", params: {period: 20, std_dev: 2}}`.
extension IndicatorSpec {
    /// Parameter names the original's instances use, per qflux parameter (first match wins).
    private static let originalNames: [String: [String]] = [
        "period": ["period", "timeperiod", "length"],
        "up": ["std_dev", "stddev", "nbdevup", "up", "k"],
        "down": ["std_dev_down", "nbdevdn", "down"],
        "fast": ["fast", "fast_period", "fastperiod"],
        "slow": ["slow", "slow_period", "slowperiod"],
        "d_macd": ["d_macd", "cycle"],
        "d_pf": ["d_pf", "smooth"],
        "signal": ["signal", "signal_period", "signalperiod"],
        "fastk": ["fastk", "k_period", "fastk_period", "k"],
        "slowk": ["slowk", "slowk_period", "k_smoothing", "d"],
        "slowd": ["slowd", "d_period", "slowd_period"],
        "multiplier": ["multiplier", "mult", "factor"],
    ]

    /// Builds a spec from the original's `type` and `params` (e.g. `"bollinger"`, `["period": 20, "std_dev": 2]`);
    /// parameters left out take the defaults; unknown parameter names are an error naming the accepted ones.
    package init(originalType: String, params: [String: Double]) throws(IndicatorSpecError) {
        let lower = originalType.lowercased()
        guard let kind = IndicatorKind(rawValue: lower) ?? IndicatorKind.aliases[lower] else {
            let known = IndicatorKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw IndicatorSpecError("unknown indicator type \"\(originalType)\" (known: \(known))")
        }
        var accepted: [String: String] = [:]
        for p in kind.parameterNames { for alias in Self.originalNames[p] ?? [p] { accepted[alias] = p } }
        var values = kind.defaults
        var givenDown = false
        for (key, v) in params {
            guard let p = accepted[key.lowercased()], let i = kind.parameterNames.firstIndex(of: p) else {
                throw IndicatorSpecError(
                    "\(kind.rawValue): unknown parameter \"\(key)\" (accepted: \(accepted.keys.sorted().joined(separator: ", ")))"
                )
            }
            values[i] = v
            if p == "down" { givenDown = true }
        }
        if kind == .bbands && !givenDown { values[2] = values[1] }
        try self.init(kind: kind, parameters: values)
    }
}
