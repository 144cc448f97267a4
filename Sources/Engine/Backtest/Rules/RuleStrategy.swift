import Indicators

/// A user strategy from rules text (see `RuleProgram`), decided at candle i from candles 0...i.
///
/// When the call and the put conditions hold on the same candle, there is no signal.
package struct RuleStrategy: SignalStrategy {
    /// The parsed rules.
    package var program: RuleProgram

    /// Creates the strategy from a parsed program.
    package init(program: RuleProgram) { self.program = program }

    /// Parses rules text (with parameter values overriding `param` defaults).
    package init(source: String, parameters: [String: Double] = [:]) throws(RuleError) {
        program = try RuleProgram.parse(source, parameters: parameters)
    }

    /// `rules`.
    package var name: String { "rules" }

    /// Signals for every candle.
    package func signals(for candles: [AnalysisCandle], window: Int) -> [TradeSignal?] {
        var set = IndicatorSet(program.specs)
        var slots = 0
        let call = program.call.map { CompiledRule.compile($0, set: set, slots: &slots) }
        let put = program.put.map { CompiledRule.compile($0, set: set, slots: &slots) }
        var previous = [(Double, Double)](repeating: (.nan, .nan), count: slots)
        var row = [Double](repeating: .nan, count: set.columns.count)
        var out = [TradeSignal?](repeating: nil, count: candles.count)
        for (i, c) in candles.enumerated() {
            set.push(c, into: &row)
            let isCall = call?.condition(c, row, &previous) ?? false
            let isPut = put?.condition(c, row, &previous) ?? false
            guard i >= window else { continue }
            if isCall && !isPut { out[i] = .call } else if isPut && !isCall { out[i] = .put }
        }
        return out
    }
}
