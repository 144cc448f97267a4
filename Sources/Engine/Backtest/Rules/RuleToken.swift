/// A token of the rules language.
package struct RuleToken: Sendable, Equatable {
    /// Token kinds.
    package enum Kind: Sendable, Equatable {
        /// A name: indicator, price field or keyword.
        case identifier(String)
        /// A number literal.
        case number(Double)
        /// A `$name` parameter.
        case parameter(String)
        /// Punctuation or operator text: `( ) , . : ; = < <= > >= == != + - * /`.
        case symbol(String)
        /// End of a line (statement separator).
        case newline
        /// End of input.
        case end
    }

    /// What the token is.
    package var kind: Kind
    /// 1-based line.
    package var line: Int
    /// 1-based column.
    package var column: Int
    /// The source text of the token.
    package var text: String

    /// How the token is named in error messages.
    package var described: String {
        switch kind {
        case .end: "end of input"
        case .newline: "end of line"
        default: "'\(text)'"
        }
    }
}
