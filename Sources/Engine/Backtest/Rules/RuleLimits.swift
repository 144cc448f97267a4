/// Bounds on what one rules text may ask of the parser, the compiler and the evaluator.
///
/// Parsing, compiling, evaluating, comparing and freeing an expression all recurse over its
/// tree, so each bound keeps a stack frame count (and the work per candle) small whatever the
/// text holds: 10,000 nested `(`, 100,000 `not` or unary `-`, or a 100,000-term chain of `+` or
/// `and` are refused with the line and column where the limit is crossed.
package enum RuleLimits {
    /// Parentheses, `not` and unary `-` inside each other.
    package static let maxNesting = 64
    /// Operators from an expression's root to its deepest term (`a + b + c` is 2 deep).
    package static let maxDepth = 128
    /// Terms (numbers, parameters, prices, indicators) in one `call:` or `put:` expression.
    package static let maxTerms = 4096
    /// Bytes of rules text.
    package static let maxSourceBytes = 1 << 20
}
