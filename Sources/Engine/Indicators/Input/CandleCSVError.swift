/// Why a candle CSV could not be read; `description` names the line.
package struct CandleCSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number (0 for a problem with the file as a whole).
    package var line: Int
    /// What is wrong.
    package var message: String

    /// Creates an error for `line`.
    package init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    /// `line N: message`.
    package var description: String { line > 0 ? "line \(line): \(message)" : message }
}
