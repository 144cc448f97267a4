import Indicators

/// A parsed rules text: when to open a call, when to open a put.
///
/// ```
/// # comments start with '#'; statements are separated by new lines or ';'
/// param lo = 30
/// call: rsi(14) < $lo and close < bbands(20,2).lower
/// put:  rsi(14) > 70 and close > bbands(20,2).upper
/// ```
/// Indicators use the spec syntax (`rsi(14)`, `macd(12,26,9).signal`, `stoch(14,3,3).d`; no
/// parentheses = defaults); `open high low close volume` are the current candle's; numbers,
/// `$parameters` (declared with `param NAME = NUMBER` or given by a sweep), `+ - * /`, comparisons
/// `< <= > >= == !=`, `crosses_above` / `crosses_below`, `and`, `or`, `not` and parentheses.
package struct RuleProgram: Sendable, Equatable {
    /// Condition for a call (nil = never).
    package var call: RuleExpression?
    /// Condition for a put (nil = never).
    package var put: RuleExpression?
    /// Parameter values used (declared defaults, overridden by the caller).
    package var parameters: [String: Double]
    /// The source text.
    package var source: String

    /// Parses `source`, with `parameters` overriding `param` defaults.
    package static func parse(_ source: String, parameters: [String: Double] = [:]) throws(RuleError) -> RuleProgram {
        var parser = RuleParser(tokens: try RuleLexer.tokenize(source), overrides: parameters)
        let (call, put) = try parser.parseProgram()
        return RuleProgram(call: call, put: put, parameters: parser.parameters, source: source)
    }

    /// Names of the `$parameters` the text declares or uses.
    package static func parameterNames(in source: String) -> [String] {
        guard let tokens = try? RuleLexer.tokenize(source) else { return [] }
        var names: [String] = []
        for t in tokens {
            if case .parameter(let n) = t.kind, !names.contains(n) { names.append(n) }
        }
        return names
    }

    /// Every indicator the rules read.
    package var specs: [IndicatorSpec] {
        var s: [IndicatorSpec] = []
        call?.collectSpecs(into: &s)
        put?.collectSpecs(into: &s)
        return s
    }
}
