import Indicators

/// A price field of the current candle.
package enum PriceField: String, Sendable, CaseIterable {
    /// Open.
    case open
    /// High.
    case high
    /// Low.
    case low
    /// Close.
    case close
    /// Volume.
    case volume
}

/// A parsed rules expression. Numbers evaluate to Double (NaN = indicator not ready); conditions to Bool.
package indirect enum RuleExpression: Sendable, Equatable {
    /// A constant.
    case number(Double)
    /// A field of the current candle.
    case price(PriceField)
    /// An indicator output: the spec and which output column of it.
    case indicator(IndicatorSpec, output: Int)
    /// `-x`.
    case negate(RuleExpression)
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    case arithmetic(String, RuleExpression, RuleExpression)
    /// `a < b` and friends.
    case compare(String, RuleExpression, RuleExpression)
    /// `a crosses_above b` (`above` true) or `crosses_below`: on the previous candle not beyond, now beyond.
    case crosses(above: Bool, RuleExpression, RuleExpression)
    /// `a and b`.
    case and(RuleExpression, RuleExpression)
    /// `a or b`.
    case or(RuleExpression, RuleExpression)
    /// `not a`.
    case not(RuleExpression)

    /// Whether this is a condition (true/false) rather than a number.
    package var isCondition: Bool {
        switch self {
        case .compare, .crosses, .and, .or, .not: true
        default: false
        }
    }

    /// Every indicator spec used, in first-use order.
    package func collectSpecs(into specs: inout [IndicatorSpec]) {
        switch self {
        case .number, .price: break
        case .indicator(let s, _): if !specs.contains(s) { specs.append(s) }
        case .negate(let a), .not(let a): a.collectSpecs(into: &specs)
        case .arithmetic(_, let a, let b), .compare(_, let a, let b), .crosses(_, let a, let b), .and(let a, let b),
            .or(let a, let b):
            a.collectSpecs(into: &specs)
            b.collectSpecs(into: &specs)
        }
    }
}
