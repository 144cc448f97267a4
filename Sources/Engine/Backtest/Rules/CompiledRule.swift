import Indicators

/// A rules expression bound to indicator columns, ready to evaluate candle by candle.
package indirect enum CompiledRule: Sendable {
    /// A constant.
    case number(Double)
    /// A candle field.
    case price(PriceField)
    /// A column of the indicator row.
    case column(Int)
    /// `-x`.
    case negate(CompiledRule)
    /// Arithmetic.
    case arithmetic(String, CompiledRule, CompiledRule)
    /// Comparison.
    case compare(String, CompiledRule, CompiledRule)
    /// Crossing, with the slot holding the previous candle's operands.
    case crosses(above: Bool, CompiledRule, CompiledRule, slot: Int)
    /// Conjunction.
    case and(CompiledRule, CompiledRule)
    /// Disjunction.
    case or(CompiledRule, CompiledRule)
    /// Negation.
    case not(CompiledRule)

    /// Binds `e` to the columns of `set` (numbering crossing slots from `slots`).
    package static func compile(_ e: RuleExpression, set: IndicatorSet, slots: inout Int) -> CompiledRule {
        switch e {
        case .number(let v): return .number(v)
        case .price(let f): return .price(f)
        case .indicator(let spec, let output):
            let name = spec.columns[output]
            return .column(set.columns.firstIndex(of: name) ?? 0)
        case .negate(let a): return .negate(compile(a, set: set, slots: &slots))
        case .arithmetic(let op, let a, let b):
            return .arithmetic(op, compile(a, set: set, slots: &slots), compile(b, set: set, slots: &slots))
        case .compare(let op, let a, let b):
            return .compare(op, compile(a, set: set, slots: &slots), compile(b, set: set, slots: &slots))
        case .crosses(let above, let a, let b):
            let ca = compile(a, set: set, slots: &slots)
            let cb = compile(b, set: set, slots: &slots)
            let slot = slots
            slots += 1
            return .crosses(above: above, ca, cb, slot: slot)
        case .and(let a, let b): return .and(compile(a, set: set, slots: &slots), compile(b, set: set, slots: &slots))
        case .or(let a, let b): return .or(compile(a, set: set, slots: &slots), compile(b, set: set, slots: &slots))
        case .not(let a): return .not(compile(a, set: set, slots: &slots))
        }
    }

    /// The numeric value (NaN when an indicator has no value yet).
    package func number(_ c: AnalysisCandle, _ row: [Double], _ previous: inout [(Double, Double)]) -> Double {
        switch self {
        case .number(let v): return v
        case .price(let f):
            switch f {
            case .open: return c.open
            case .high: return c.high
            case .low: return c.low
            case .close: return c.close
            case .volume: return c.volume
            }
        case .column(let i): return row[i]
        case .negate(let a): return -a.number(c, row, &previous)
        case .arithmetic(let op, let a, let b):
            let x = a.number(c, row, &previous)
            let y = b.number(c, row, &previous)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            default: return x / y
            }
        default: return condition(c, row, &previous) ? 1 : 0
        }
    }

    /// The truth value; every sub-expression is evaluated (no short-circuit) so crossings keep
    /// their previous operands up to date.
    package func condition(_ c: AnalysisCandle, _ row: [Double], _ previous: inout [(Double, Double)]) -> Bool {
        switch self {
        case .compare(let op, let a, let b):
            let x = a.number(c, row, &previous)
            let y = b.number(c, row, &previous)
            switch op {
            case "<": return x < y
            case "<=": return x <= y
            case ">": return x > y
            case ">=": return x >= y
            case "==": return x == y
            default: return !x.isNaN && !y.isNaN && x != y
            }
        case .crosses(let above, let a, let b, let slot):
            let x = a.number(c, row, &previous)
            let y = b.number(c, row, &previous)
            let (px, py) = previous[slot]
            previous[slot] = (x, y)
            return above ? (px <= py && x > y) : (px >= py && x < y)
        case .and(let a, let b):
            let x = a.condition(c, row, &previous)
            let y = b.condition(c, row, &previous)
            return x && y
        case .or(let a, let b):
            let x = a.condition(c, row, &previous)
            let y = b.condition(c, row, &previous)
            return x || y
        case .not(let a): return !a.condition(c, row, &previous)
        default: return number(c, row, &previous) != 0
        }
    }
}
