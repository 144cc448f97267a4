import Candles

/// Settings of a ``StreamServer``.
package struct StreamServerConfig: Sendable {
    /// Address to bind (default `127.0.0.1`).
    package var bindAddress: String = "127.0.0.1"
    /// TCP port (default 3001; 0 picks a free port, see ``StreamServer/boundPort``).
    package var port: Int = 3001
    /// When set, Socket.IO clients must connect with auth `{"token": …}`.
    package var token: String?
    /// `--follow-chart`: when the broker's chart shows another asset, every client streaming an
    /// asset moves to it (`asset_changed` + history). Off: only clients that started a stream
    /// without naming an asset follow the chart; everyone gets `asset_detected`.
    package var followChart = false
    /// Largest inbound WebSocket message in bytes; a larger one closes that client.
    package var maxInboundMessageBytes: Int = 64 * 1024
    /// Messages queued per client before it counts as slow.
    package var clientQueueLimit: Int = 1024
    /// How long a client may stay at its queue limit before it is disconnected, in seconds.
    package var slowClientGrace: Double = 5
    /// Most WebSocket clients at once; more are refused.
    package var maxClients: Int = 1000
    /// Candle updates the engine→network ring holds; a batch that finds it full loses the rest
    /// (counted as `handoffDrops`).
    package var handoffCapacity: Int = 1 << 16
    /// Engine.IO ping interval in seconds.
    package var pingInterval: Double = 25
    /// Engine.IO ping timeout in seconds.
    package var pingTimeout: Double = 20

    /// Browser origins accepted besides loopback ones (`--allow-origin`), e.g. `https://app.example:8443`.
    /// Loopback origins (`http(s)://127.0.0.1|localhost|[::1]`, any port) and the page's own
    /// origin are always accepted; requests without `Origin` are not browsers and pass.
    package var allowedOrigins: [String] = []
    /// `Host` names accepted besides loopback names and the bind address (`--allow-host`).
    package var allowedHosts: [String] = []
    /// With a token: seconds a WebSocket client may stay without a successful Socket.IO connect.
    package var unauthenticatedTimeout: Int = 5
    /// With a token: most WebSocket clients at once that have not authenticated yet.
    package var maxUnauthenticated: Int = 64
    /// With a token: `/health` and `/metrics` need it too (`Authorization: Bearer …` or `?token=`).
    package var protectHTTP = false
    /// Most `run_backtest` / `calculate_indicators` requests queued or running at once (all
    /// clients); more are answered with their error event at once.
    package var maxPendingAnalysis = 8
    /// Bounds on live indicators (`subscribe_indicators`).
    package var liveIndicators = LiveIndicatorLimits()

    /// The timeframes the engine forms (`qflux stream --timeframes`): `subscribe` refuses others
    /// (`unknown_timeframes` and an `error` naming these). nil: not known, every timeframe is accepted.
    package var formedTimeframes: [Timeframe]?
    /// Most asset × timeframe subscriptions one client may hold; more are refused (`subscribed.refused`).
    package var maxSubscriptionsPerClient = 512
    /// `historical_candles_loaded` jobs one client may wait on at once; more wait in its backlog
    /// (one entry per distinct asset × timeframe; dropped when it leaves).
    package var maxHistoryJobsPerClient = 4
    /// Events a client may send per second, sustained; see ``clientEventBurst``.
    package var clientEventsPerSecond: Double = 50
    /// Events a client may send at once; a client that runs out of its budget is told (`error`)
    /// and disconnected.
    package var clientEventBurst: Double = 200
    /// Seconds one `get_available_data` listing is reused for every client.
    package var availableDataCacheSeconds: Double = 2
    /// Least seconds between two `get_available_data` answers to one client; an earlier request,
    /// or one while its previous is still being listed, gets `data_error` at once.
    package var availableDataInterval: Double = 1

    /// Defaults: 127.0.0.1:3001, no token.
    package init() {}
}

/// An error starting the server, with the libwebsockets step that failed.
package struct StreamServerError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    package enum Code: String, Sendable {
        /// `lws_create_context` failed (address in use, bad bind address, …).
        case createContext
        /// The listening port could not be read back.
        case listenPort
        /// The server is already running.
        case alreadyRunning
    }

    /// What failed.
    package var code: Code
    /// Details (address, port, errno text).
    package var cause: String

    /// Creates an error.
    package init(code: Code, cause: String) {
        self.code = code
        self.cause = cause
    }

    package var description: String { "stream server: \(code.rawValue): \(cause)" }
}
