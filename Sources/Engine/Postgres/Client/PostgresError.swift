import Foundation

/// A PostgreSQL failure, as one line that names no credentials (URIs in it are redacted with
/// ``PostgresURI/redact(_:)``).
package struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    package enum Kind: String, Sendable {
        /// No server answered (refused, timed out, unknown host).
        case unreachable
        /// The server refused the user or password.
        case authentication
        /// The database named in the URI does not exist.
        case missingDatabase
        /// The connection was lost after it was made.
        case connectionLost
        /// The server refused a statement (its SQLSTATE in ``PostgresError/sqlState``).
        case statement
        /// A connection URI qflux cannot use (libpq refused to parse it).
        case badURI
        /// PostgreSQL's client library (libpq.so.5, Debian's libpq5) is missing: no connection
        /// can be tried.
        case clientLibrary
    }

    /// What went wrong.
    package var kind: Kind
    /// One line: what happened, with the server's or libpq's own words.
    package var message: String
    /// The five-character SQLSTATE of a refused statement.
    package var sqlState: String?

    /// An error.
    package init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    /// True when the connection is gone: open a new one (with backoff) and try again.
    package var needsReconnect: Bool { kind == .unreachable || kind == .connectionLost }

    /// The message.
    package var description: String { message }

    /// libpq's multi-line messages ("…failed: Connection refused\n\tIs the server running…")
    /// as one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
