/// Settings of a ``StreamServer``.
public struct StreamServerConfig: Sendable {
    /// Address to bind (default `127.0.0.1`).
    public var bindAddress: String = "127.0.0.1"
    /// TCP port (default 3001; 0 picks a free port, see ``StreamServer/boundPort``).
    public var port: Int = 3001
    /// When set, Socket.IO clients must connect with auth `{"token": …}`.
    public var token: String?
    /// `--follow-chart`: when the broker's chart shows another asset, every client streaming an
    /// asset moves to it (`asset_changed` + history). Off: only clients that started a stream
    /// without naming an asset follow the chart; everyone gets `asset_detected`.
    public var followChart = false
    /// Largest inbound WebSocket message in bytes; a larger one closes that client.
    public var maxInboundMessageBytes: Int = 64 * 1024
    /// Messages queued per client before it counts as slow.
    public var clientQueueLimit: Int = 1024
    /// How long a client may stay at its queue limit before it is disconnected, in seconds.
    public var slowClientGrace: Double = 5
    /// Most WebSocket clients at once; more are refused.
    public var maxClients: Int = 1000
    /// Candle updates the engine→network ring holds; a batch that finds it full loses the rest
    /// (counted as `handoffDrops`).
    public var handoffCapacity: Int = 1 << 16
    /// Engine.IO ping interval in seconds.
    public var pingInterval: Double = 25
    /// Engine.IO ping timeout in seconds.
    public var pingTimeout: Double = 20

    /// Defaults: 127.0.0.1:3001, no token.
    public init() {}
}

/// An error starting the server, with the libwebsockets step that failed.
public struct StreamServerError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public enum Code: String, Sendable {
        /// `lws_create_context` failed (address in use, bad bind address, …).
        case createContext
        /// The listening port could not be read back.
        case listenPort
        /// The server is already running.
        case alreadyRunning
    }

    /// What failed.
    public var code: Code
    /// Details (address, port, errno text).
    public var cause: String

    /// Creates an error.
    public init(code: Code, cause: String) {
        self.code = code
        self.cause = cause
    }

    public var description: String { "stream server: \(code.rawValue): \(cause)" }
}
