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
    /// True for an error reply about the server's state, not about a key: it is loading its data
    /// (`LOADING`), busy with a script (`BUSY`), out of memory (`OOM`), cannot persist
    /// (`MISCONF`), is a read-only replica (`READONLY`), has lost its master (`MASTERDOWN`),
    /// wants a password (`NOAUTH`), or its cluster is down (`CLUSTERDOWN`, `TRYAGAIN`).
    package var isServerState: Bool {
        guard code == .server else { return false }
        let word = message.prefix { $0 != " " }
        return [
            "LOADING", "BUSY", "OOM", "MISCONF", "READONLY", "MASTERDOWN", "NOAUTH", "NOREPLICAS",
            "CLUSTERDOWN", "TRYAGAIN",
        ].contains(word)
    }
    /// True for an error reply that concerns the key a command named (`WRONGTYPE`: the key holds
    /// another type; `NOPERM`: an ACL denies the key; …): skip that key, keep the connection and
    /// the other keys. `NOGROUP` and `BUSYGROUP` are handled by the caller; server-state errors
    /// (``isServerState``) concern every key.
    package var concernsKey: Bool { code == .server && !isNoGroup && !isBusyGroup && !isServerState }
    /// True when the connection is unusable and must be reopened.
    package var needsReconnect: Bool { code == .io || code == .connect || code == .protocolError }

    package var description: String { "redis \(code.rawValue): \(message)" }
}
