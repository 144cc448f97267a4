/// A Redis failure: what went wrong (``Code``), the server's or the client library's words, and
/// the address it happened at.
package struct RedisError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure.
    package enum Code: String, Sendable {
        /// The address (`redis://HOST:PORT[/DB]`) could not be parsed.
        case badAddress
        /// TCP connect failed or timed out.
        case connect
        /// Reading or writing the socket failed (the server went away, a timeout): reconnect.
        case io
        /// The server sent something that is not RESP, or hiredis ran out of memory.
        case protocolError
        /// The server answered with an error reply (`-ERR …`, `-NOGROUP …`).
        case server
        /// A well-formed reply of an unexpected shape.
        case unexpectedReply
    }

    /// What kind of failure.
    package var code: Code
    /// The detail (hiredis' `errstr`, the server's error text).
    package var message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True for `-NOGROUP` (the stream or its consumer group does not exist, e.g. after a Redis
    /// restart without persistence).
    package var isNoGroup: Bool { code == .server && message.hasPrefix("NOGROUP") }
    /// True for `-BUSYGROUP` (XGROUP CREATE of a group that exists).
    package var isBusyGroup: Bool { code == .server && message.hasPrefix("BUSYGROUP") }
    /// True when the connection is unusable and must be reopened.
    package var needsReconnect: Bool { code == .io || code == .connect || code == .protocolError }

    package var description: String { "redis \(code.rawValue): \(message)" }
}
