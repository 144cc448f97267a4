/// A rules-text error with its position; `description` reads `line L, column C: message`.
package struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line.
    package var line: Int
    /// 1-based column.
    package var column: Int
    /// What was expected and what was found.
    package var message: String

    /// Creates an error at a position.
    package init(line: Int, column: Int, _ message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line L, column C: message`.
    package var description: String { "line \(line), column \(column): \(message)" }
}
