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
        var stepper = RuleStepper(program: program)
        var out = [TradeSignal?](repeating: nil, count: candles.count)
        for (i, c) in candles.enumerated() {
            let signal = stepper.push(c)
            guard i >= window else { continue }
            out[i] = signal
        }
        return out
    }
}
