/// Why an indicator spec could not be read; `description` is a complete sentence for the user.
package struct IndicatorSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message, naming the offending part of the spec.
    package var message: String

    /// Creates an error with `message`.
    package init(_ message: String) { self.message = message }

    /// The message.
    package var description: String { message }
}
