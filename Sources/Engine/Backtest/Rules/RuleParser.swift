import Indicators

/// Recursive-descent parser of the rules language (see `RuleProgram`).
package struct RuleParser {
    private let tokens: [RuleToken]
    private var pos = 0
    private let overrides: [String: Double]
    /// Parameter values in effect.
    package private(set) var parameters: [String: Double]

    /// Creates a parser over tokens, with parameter values that override `param` lines.
    package init(tokens: [RuleToken], overrides: [String: Double]) {
        self.tokens = tokens
        self.overrides = overrides
        parameters = overrides
    }

    private var token: RuleToken { tokens[pos] }

    private func error(_ expected: String, at t: RuleToken? = nil) -> RuleError {
        let t = t ?? token
        return RuleError(line: t.line, column: t.column, "expected \(expected), found \(t.described)")
    }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(let x) = token.kind { return x == s }
        return false
    }

    private func isIdentifier(_ s: String) -> Bool {
        if case .identifier(let x) = token.kind { return x == s }
        return false
    }

    private mutating func expectSymbol(_ s: String, _ what: String) throws(RuleError) {
        guard isSymbol(s) else { throw error(what) }
        pos += 1
    }

    private var atSeparator: Bool { token.kind == .newline || isSymbol(";") || token.kind == .end }

    /// Parses the whole program: statements separated by new lines or ';'.
    package mutating func parseProgram() throws(RuleError) -> (RuleExpression?, RuleExpression?) {
        var call: RuleExpression?
        var put: RuleExpression?
        var statements = 0
        while true {
            while token.kind == .newline || isSymbol(";") { pos += 1 }
            if token.kind == .end { break }
            let start = token
            guard case .identifier(let word) = token.kind, ["call", "put", "param"].contains(word) else {
                throw error("'call:', 'put:' or 'param NAME = NUMBER' at the start of a statement")
            }
            pos += 1
            if word == "param" {
                let nameToken = token
                let name: String
                switch token.kind {
                case .parameter(let n), .identifier(let n): name = n
                default: throw error("a parameter name after 'param'")
                }
                _ = nameToken
                pos += 1
                try expectSymbol("=", "'=' after the parameter name")
                let v = try parseSignedNumber()
                if overrides[name] == nil { parameters[name] = v }
            } else {
                try expectSymbol(":", "':' after '\(word)'")
                let exprStart = token
                let e = try parseOr()
                guard e.isCondition else {
                    throw RuleError(line: exprStart.line, column: exprStart.column,
                                    "expected a condition after '\(word):' (a comparison such as rsi(14) < 30), found a number")
                }
                if word == "call" {
                    if call != nil { throw RuleError(line: start.line, column: start.column, "'call' is given twice") }
                    call = e
                } else {
                    if put != nil { throw RuleError(line: start.line, column: start.column, "'put' is given twice") }
                    put = e
                }
            }
            statements += 1
            guard atSeparator else { throw error("'and', 'or', a comparison, ';' or a new line") }
        }
        guard call != nil || put != nil else {
            throw RuleError(line: token.line, column: token.column, "expected at least one 'call:' or 'put:' rule, found \(token.described)")
        }
        return (call, put)
    }

    private mutating func parseSignedNumber() throws(RuleError) -> Double {
        var sign = 1.0
        if isSymbol("-") {
            sign = -1
            pos += 1
        }
        guard case .number(let v) = token.kind else { throw error("a number") }
        pos += 1
        return sign * v
    }

    private mutating func parseOr() throws(RuleError) -> RuleExpression {
        var left = try parseAnd()
        while isIdentifier("or") {
            let opToken = token
            pos += 1
            let right = try parseAnd()
            try requireConditions(left, right, "or", opToken)
            left = .or(left, right)
        }
        return left
    }

    private mutating func parseAnd() throws(RuleError) -> RuleExpression {
        var left = try parseNot()
        while isIdentifier("and") {
            let opToken = token
            pos += 1
            let right = try parseNot()
            try requireConditions(left, right, "and", opToken)
            left = .and(left, right)
        }
        return left
    }

    private func requireConditions(_ a: RuleExpression, _ b: RuleExpression, _ op: String, _ t: RuleToken) throws(RuleError) {
        guard a.isCondition && b.isCondition else {
            throw RuleError(line: t.line, column: t.column, "'\(op)' joins conditions, but one side is a number (compare it with < <= > >= == !=)")
        }
    }

    private mutating func parseNot() throws(RuleError) -> RuleExpression {
        if isIdentifier("not") {
            let t = token
            pos += 1
            let e = try parseNot()
            guard e.isCondition else { throw RuleError(line: t.line, column: t.column, "'not' needs a condition, found a number") }
            return .not(e)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(RuleError) -> RuleExpression {
        let left = try parseSum()
        if case .symbol(let op) = token.kind, ["<", "<=", ">", ">=", "==", "!="].contains(op) {
            let t = token
            pos += 1
            let right = try parseSum()
            guard !left.isCondition && !right.isCondition else {
                throw RuleError(line: t.line, column: t.column, "'\(op)' compares numbers, but one side is a condition")
            }
            return .compare(op, left, right)
        }
        if isIdentifier("crosses_above") || isIdentifier("crosses_below") {
            let above = isIdentifier("crosses_above")
            pos += 1
            let right = try parseSum()
            return .crosses(above: above, left, right)
        }
        return left
    }

    private mutating func parseSum() throws(RuleError) -> RuleExpression {
        var left = try parseProduct()
        while isSymbol("+") || isSymbol("-") {
            guard case .symbol(let op) = token.kind else { break }
            pos += 1
            left = .arithmetic(op, left, try parseProduct())
        }
        return left
    }

    private mutating func parseProduct() throws(RuleError) -> RuleExpression {
        var left = try parseUnary()
        while isSymbol("*") || isSymbol("/") {
            guard case .symbol(let op) = token.kind else { break }
            pos += 1
            left = .arithmetic(op, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(RuleError) -> RuleExpression {
        if isSymbol("-") {
            pos += 1
            return .negate(try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parameterValue(_ name: String, _ t: RuleToken) throws(RuleError) -> Double {
        guard let v = parameters[name] else {
            throw RuleError(line: t.line, column: t.column, "parameter $\(name) has no value (declare it with 'param \(name) = NUMBER' or give it in a sweep)")
        }
        return v
    }

    private mutating func parsePrimary() throws(RuleError) -> RuleExpression {
        let t = token
        switch t.kind {
        case .number(let v):
            pos += 1
            return .number(v)
        case .parameter(let n):
            pos += 1
            return .number(try parameterValue(n, t))
        case .symbol("("):
            pos += 1
            let e = try parseOr()
            try expectSymbol(")", "')' to close the '(' at line \(t.line), column \(t.column)")
            return e
        case .identifier(let name):
            if let field = PriceField(rawValue: name) {
                pos += 1
                return .price(field)
            }
            if ["and", "or", "not", "call", "put", "param", "crosses_above", "crosses_below"].contains(name) {
                throw error("a number, a price (open, high, low, close, volume) or an indicator")
            }
            return try parseIndicator(name, t)
        default:
            throw error("a number, a price (open, high, low, close, volume), an indicator such as rsi(14), or '('")
        }
    }

    private mutating func parseIndicator(_ name: String, _ t: RuleToken) throws(RuleError) -> RuleExpression {
        guard let kind = IndicatorKind(rawValue: name) ?? IndicatorKind.aliases[name] else {
            let known = IndicatorKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw RuleError(line: t.line, column: t.column, "unknown name '\(t.text)' (expected a price: open, high, low, close, volume; or an indicator: \(known))")
        }
        pos += 1
        var args: [Double] = []
        if isSymbol("(") {
            pos += 1
            if !isSymbol(")") {
                while true {
                    let a = token
                    var sign = 1.0
                    if isSymbol("-") {
                        sign = -1
                        pos += 1
                    }
                    switch token.kind {
                    case .number(let v): args.append(sign * v)
                    case .parameter(let n): args.append(sign * (try parameterValue(n, token)))
                    default: throw error("a number or $parameter as argument of \(kind.rawValue)", at: token)
                    }
                    _ = a
                    pos += 1
                    if isSymbol(",") {
                        pos += 1
                        continue
                    }
                    break
                }
            }
            try expectSymbol(")", "',' or ')' in the arguments of \(kind.rawValue)")
        }
        let spec: IndicatorSpec
        do {
            spec = try IndicatorSpec(kind: kind, parameters: args)
        } catch {
            throw RuleError(line: t.line, column: t.column, error.message)
        }
        var output = 0
        if isSymbol(".") {
            pos += 1
            guard case .identifier(let out) = token.kind else { throw error("an output name after '.' (\(outputNames(kind)))") }
            let names = kind.outputs
            if let i = names.firstIndex(of: out), !out.isEmpty {
                output = i
            } else if out == kind.rawValue || out == "value" || (kind == .macd && out == "line") {
                output = 0
            } else {
                throw RuleError(line: token.line, column: token.column, "\(kind.rawValue) has no output '\(out)' (it has: \(outputNames(kind)))")
            }
            pos += 1
        }
        return .indicator(spec, output: output)
    }

    private func outputNames(_ kind: IndicatorKind) -> String {
        kind.outputs.map { $0.isEmpty ? (kind == .supertrend ? "value" : kind.rawValue) : $0 }.joined(separator: ", ")
    }
}
