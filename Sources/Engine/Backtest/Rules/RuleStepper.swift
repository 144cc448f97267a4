import Indicators

/// A rules program evaluated one candle at a time: what ``RuleStrategy`` runs over an array and
/// the live signal engine runs on each closed candle, so both decide identically.
package struct RuleStepper: Sendable {
    private var indicators: IndicatorSet
    private let call: CompiledRule?
    private let put: CompiledRule?
    private var previous: [(Double, Double)]
    /// The indicator values of the last candle pushed, in ``columns`` order.
    package private(set) var row: [Double]

    /// A stepper before the first candle.
    package init(program: RuleProgram) {
        let set = IndicatorSet(program.specs)
        var slots = 0
        call = program.call.map { CompiledRule.compile($0, set: set, slots: &slots) }
        put = program.put.map { CompiledRule.compile($0, set: set, slots: &slots) }
        previous = [(Double, Double)](repeating: (.nan, .nan), count: slots)
        row = [Double](repeating: .nan, count: set.columns.count)
        indicators = set
    }

    /// The indicator columns' names.
    package var columns: [String] { indicators.columns }

    /// Takes the next candle: call when only the call condition holds, put when only the put one does.
    package mutating func push(_ c: AnalysisCandle) -> TradeSignal? {
        indicators.push(c, into: &row)
        let isCall = call?.condition(c, row, &previous) ?? false
        let isPut = put?.condition(c, row, &previous) ?? false
        if isCall && !isPut { return .call }
        if isPut && !isCall { return .put }
        return nil
    }
}
