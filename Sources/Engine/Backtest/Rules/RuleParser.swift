import Indicators

/// Recursive-descent parser of the rules language (see `RuleProgram`).
///
/// Every expression it builds is bounded (see ``RuleLimits``): parentheses, `not` and unary `-`
/// nest at most ``RuleLimits/maxNesting`` levels (the parser's own recursion), an expression tree
/// is at most ``RuleLimits/maxDepth`` operators deep (a chain `a + b + c …` is as deep as it is
/// long, and compiling, evaluating, comparing and freeing a tree all recurse over its depth), and
/// has at most ``RuleLimits/maxTerms`` terms. Past a limit the error names the line and column.
package struct RuleParser {
    private let tokens: [RuleToken]
    private var pos = 0
    /// Parentheses, `not` and unary `-` currently open around the token being parsed.
    private var nesting = 0
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

    /// An expression with its tree depth (operators from the root to the deepest term) and its
    /// number of terms (numbers, parameters, prices, indicators).
    private struct Node {
        var expression: RuleExpression
        var depth: Int
        var terms: Int

        /// A term.
        init(term: RuleExpression) {
            expression = term
            depth = 1
            terms = 1
        }

        init(_ expression: RuleExpression, depth: Int, terms: Int) {
            self.expression = expression
            self.depth = depth
            self.terms = terms
        }
    }

    /// An operator node over `operands`, refused past the depth and term limits at `t` (the
    /// operator's token).
    private func node(_ e: RuleExpression, _ operands: Node..., at t: RuleToken) throws(RuleError) -> Node {
        let depth = 1 + operands.reduce(0) { max($0, $1.depth) }
        let terms = operands.reduce(0) { $0 + $1.terms }
        guard depth <= RuleLimits.maxDepth else {
            throw RuleError(
                line: t.line, column: t.column,
                "expression too deep: more than \(RuleLimits.maxDepth) operators inside each other (a chain such as a + b + c … counts each operator; split the rule or use parentheses)"
            )
        }
        guard terms <= RuleLimits.maxTerms else {
            throw RuleError(
                line: t.line, column: t.column, "expression too long: more than \(RuleLimits.maxTerms) terms")
        }
        return Node(e, depth: depth, terms: terms)
    }

    /// Opens a level of parentheses, `not` or unary `-` at `t`; refused past the nesting limit.
    private mutating func enter(_ t: RuleToken) throws(RuleError) {
        guard nesting < RuleLimits.maxNesting else {
            throw RuleError(
                line: t.line, column: t.column,
                "expression nested too deep: more than \(RuleLimits.maxNesting) levels of parentheses, 'not' and unary '-'"
            )
        }
        nesting += 1
    }

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
                let e = try parseOr().expression
                guard e.isCondition else {
                    throw RuleError(
                        line: exprStart.line, column: exprStart.column,
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
            throw RuleError(
                line: token.line, column: token.column,
                "expected at least one 'call:' or 'put:' rule, found \(token.described)")
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

    private mutating func parseOr() throws(RuleError) -> Node {
        var left = try parseAnd()
        while isIdentifier("or") {
            let opToken = token
            pos += 1
            let right = try parseAnd()
            try requireConditions(left, right, "or", opToken)
            left = try node(.or(left.expression, right.expression), left, right, at: opToken)
        }
        return left
    }

    private mutating func parseAnd() throws(RuleError) -> Node {
        var left = try parseNot()
        while isIdentifier("and") {
            let opToken = token
            pos += 1
            let right = try parseNot()
            try requireConditions(left, right, "and", opToken)
            left = try node(.and(left.expression, right.expression), left, right, at: opToken)
        }
        return left
    }

    private func requireConditions(_ a: Node, _ b: Node, _ op: String, _ t: RuleToken) throws(RuleError) {
        guard a.expression.isCondition && b.expression.isCondition else {
            throw RuleError(
                line: t.line, column: t.column,
                "'\(op)' joins conditions, but one side is a number (compare it with < <= > >= == !=)")
        }
    }

    private mutating func parseNot() throws(RuleError) -> Node {
        if isIdentifier("not") {
            let t = token
            try enter(t)
            defer { nesting -= 1 }
            pos += 1
            let e = try parseNot()
            guard e.expression.isCondition else {
                throw RuleError(line: t.line, column: t.column, "'not' needs a condition, found a number")
            }
            return try node(.not(e.expression), e, at: t)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(RuleError) -> Node {
        let left = try parseSum()
        if case .symbol(let op) = token.kind, ["<", "<=", ">", ">=", "==", "!="].contains(op) {
            let t = token
            pos += 1
            let right = try parseSum()
            guard !left.expression.isCondition && !right.expression.isCondition else {
                throw RuleError(line: t.line, column: t.column, "'\(op)' compares numbers, but one side is a condition")
            }
            return try node(.compare(op, left.expression, right.expression), left, right, at: t)
        }
        if isIdentifier("crosses_above") || isIdentifier("crosses_below") {
            let t = token
            let above = isIdentifier("crosses_above")
            pos += 1
            let right = try parseSum()
            return try node(.crosses(above: above, left.expression, right.expression), left, right, at: t)
        }
        return left
    }

    private mutating func parseSum() throws(RuleError) -> Node {
        var left = try parseProduct()
        while isSymbol("+") || isSymbol("-") {
            guard case .symbol(let op) = token.kind else { break }
            let t = token
            pos += 1
            let right = try parseProduct()
            left = try node(.arithmetic(op, left.expression, right.expression), left, right, at: t)
        }
        return left
    }

    private mutating func parseProduct() throws(RuleError) -> Node {
        var left = try parseUnary()
        while isSymbol("*") || isSymbol("/") {
            guard case .symbol(let op) = token.kind else { break }
            let t = token
            pos += 1
            let right = try parseUnary()
            left = try node(.arithmetic(op, left.expression, right.expression), left, right, at: t)
        }
        return left
    }

    private mutating func parseUnary() throws(RuleError) -> Node {
        if isSymbol("-") {
            let t = token
            try enter(t)
            defer { nesting -= 1 }
            pos += 1
            let operand = try parseUnary()
            return try node(.negate(operand.expression), operand, at: t)
        }
        return try parsePrimary()
    }

    private mutating func parameterValue(_ name: String, _ t: RuleToken) throws(RuleError) -> Double {
        guard let v = parameters[name] else {
            throw RuleError(
                line: t.line, column: t.column,
                "parameter $\(name) has no value (declare it with 'param \(name) = NUMBER' or give it in a sweep)")
        }
        return v
    }

    private mutating func parsePrimary() throws(RuleError) -> Node {
        let t = token
        switch t.kind {
        case .number(let v):
            pos += 1
            return Node(term: .number(v))
        case .parameter(let n):
            pos += 1
            return Node(term: .number(try parameterValue(n, t)))
        case .symbol("("):
            try enter(t)
            defer { nesting -= 1 }
            pos += 1
            let e = try parseOr()
            try expectSymbol(")", "')' to close the '(' at line \(t.line), column \(t.column)")
            return e
        case .identifier(let name):
            if let field = PriceField(rawValue: name) {
                pos += 1
                return Node(term: .price(field))
            }
            if ["and", "or", "not", "call", "put", "param", "crosses_above", "crosses_below"].contains(name) {
                throw error("a number, a price (open, high, low, close, volume) or an indicator")
            }
            return Node(term: try parseIndicator(name, t))
        default:
            throw error("a number, a price (open, high, low, close, volume), an indicator such as rsi(14), or '('")
        }
    }

    private mutating func parseIndicator(_ name: String, _ t: RuleToken) throws(RuleError) -> RuleExpression {
        guard let kind = IndicatorKind(rawValue: name) ?? IndicatorKind.aliases[name] else {
            let known = IndicatorKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw RuleError(
                line: t.line, column: t.column,
                "unknown name '\(t.text)' (expected a price: open, high, low, close, volume; or an indicator: \(known))"
            )
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
            guard case .identifier(let out) = token.kind else {
                throw error("an output name after '.' (\(outputNames(kind)))")
            }
            let names = kind.outputs
            if let i = names.firstIndex(of: out), !out.isEmpty {
                output = i
            } else if out == kind.rawValue || out == "value" || (kind == .macd && out == "line") {
                output = 0
            } else {
                throw RuleError(
                    line: token.line, column: token.column,
                    "\(kind.rawValue) has no output '\(out)' (it has: \(outputNames(kind)))")
            }
            pos += 1
        }
        return .indicator(spec, output: output)
    }

    private func outputNames(_ kind: IndicatorKind) -> String {
        kind.outputs.map { $0.isEmpty ? (kind == .supertrend ? "value" : kind.rawValue) : $0 }.joined(separator: ", ")
    }
}
