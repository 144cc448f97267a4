/// A libwebsockets step that failed.
package struct LWSError: Error, CustomStringConvertible, Sendable {
    /// Which step.
    package enum Code: String, Sendable {
        /// `lws_create_context` returned NULL (port in use, bad bind address, out of memory, …).
        case createContext
        /// A server context has no listening port to read back, or no socket listens on it.
        case listenPort
        /// `lws_client_connect_via_info` refused to start a connection.
        case connect
    }

    /// Which step failed.
    package var code: Code
    /// What was asked for (address, port, path).
    package var message: String

    /// An error.
    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "libwebsockets: \(code.rawValue): \(message)" }
}
