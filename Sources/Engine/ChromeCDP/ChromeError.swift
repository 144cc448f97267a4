/// Something went wrong talking to Chrome's DevTools endpoint.
package struct ChromeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What failed.
    package enum Code: String, Sendable {
        /// `--cdp` is not `HOST:PORT`.
        case badAddress
        /// The host name did not resolve.
        case resolve
        /// Nothing accepted the TCP connection in time (Chrome not running, or not with that port).
        case connect
        /// The HTTP request or its answer failed (timeout, reset, not HTTP, not 200).
        case http
        /// `/json/list` was not the JSON Chrome serves.
        case targetList
        /// The libwebsockets client could not be set up or its handshake failed.
        case webSocket
        /// Network.enable was refused.
        case protocolError
    }

    /// What failed.
    package var code: Code
    /// Details (address, errno text, HTTP status, Chrome's error message).
    package var cause: String

    /// Creates an error.
    package init(code: Code, cause: String) {
        self.code = code
        self.cause = cause
    }

    package var description: String { "chrome: \(code.rawValue): \(cause)" }
}
