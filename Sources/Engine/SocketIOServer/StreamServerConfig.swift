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
    /// Largest inbound message in bytes (a WebSocket message, or a whole long-polling `POST`);
    /// a larger one closes that client (long-polling: `413`). Announced as Engine.IO `maxPayload`.
    /// 1,000,000 by default, the original server's (python-engineio's `max_http_buffer_size`):
    /// its GUI sends whole candle files in one event (`store_csv_candles`,
    /// `cache_historical_data`). Memory: a client holds at most one partial message of this
    /// size (twice over long-polling: the `POST` body, then the packet being parsed); the
    /// message's cost against the inbound rate grows with its size (one token per 4 KiB).
    package var maxInboundMessageBytes: Int = StreamServerConfig.defaultMaxInboundMessageBytes
    /// The default of ``maxInboundMessageBytes`` (`qflux stream --max-message-bytes`).
    package static let defaultMaxInboundMessageBytes = 1_000_000
    /// Messages queued per client before it counts as slow.
    package var clientQueueLimit: Int = 1024
    /// How long a client may stay at its queue limit before it is disconnected, in seconds.
    package var slowClientGrace: Double = 5
    /// Bytes queued for one client at most, every message counted (pongs, connect acks and
    /// refusals too); a client whose queue would pass it is cut at once (`budgetDisconnects`).
    /// 0 = no byte limit.
    package var clientByteBudget: Int = 4 << 20
    /// The largest analysis reply (`run_backtest`, `calculate_indicators`: the event and its ack
    /// together) a client is sent: half its byte budget, so one reply beside live traffic never
    /// gets its requester cut. A larger answer is replaced by the request's error event, which
    /// says how large it was and how to ask for less. Unbounded when the budget is 0.
    package var maxAnalysisReplyBytes: Int { clientByteBudget > 0 ? clientByteBudget / 2 : Int.max }
    /// Messages a client may send per second, sustained (a token bucket refilled at this rate;
    /// a message costs one token per started 4 KiB, so this bounds bytes too: 200 → 800 KiB/s of
    /// large messages); a client over it is cut (`rateLimited`). 0 = no limit.
    package var maxInboundMessagesPerSecond: Double = 200
    /// Tokens a client may spend in a burst above the sustained rate (the bucket's size).
    package var inboundBurst: Double = 1000
    /// Most WebSocket clients at once; more are refused.
    package var maxClients: Int = 1000
    /// Candle updates the engine→network ring holds; a batch that finds it full loses the rest
    /// (counted as `handoffDrops`).
    package var handoffCapacity: Int = 1 << 16
    /// Records where each candle fan-out's time goes (``StreamServer/takeFanoutTrace()``): for the
    /// bench; off, it costs an untaken branch per batch and per write.
    package var traceFanout = false
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
    /// Seconds a long-polling session may take from its Engine.IO handshake to its Socket.IO
    /// connect (real clients take milliseconds); then it is closed (``HandshakePool``).
    package var handshakeTimeout: Double = 5
    /// Long-polling handshakes without a Socket.IO connect kept at once, and from one address;
    /// past either, the oldest gives way. They do not count against ``maxClients``.
    package var maxPendingHandshakes = 256
    package var maxPendingHandshakesPerAddress = 32
    /// With a token: most WebSocket clients at once that have not authenticated yet.
    package var maxUnauthenticated: Int = 64
    /// With a token: `/health` and `/metrics` need it too (`Authorization: Bearer …` or `?token=`).
    package var protectHTTP = false
    /// Most `run_backtest` / `calculate_indicators` requests queued or running at once (all
    /// clients); more are answered with their error event at once.
    package var maxPendingAnalysis = 8
    /// Of those, one client may have this many queued or running; one peer address half of
    /// ``maxPendingAnalysisPerAddress`` (the analysis queue is served in order, so one client's requests
    /// cannot hold it while the others are told "server busy").
    package var maxPendingAnalysisPerClient = 2
    package var maxPendingAnalysisPerAddress = 4
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

    /// Seconds a connection may take to send its request headers (slowloris); the connection is
    /// closed after that. libwebsockets' `timeout_secs_ah_idle`.
    package var headerTimeout: Int = 3
    /// Connections from one address that may be slow sending their headers (still sending after a
    /// second) at once; when another connection arrives from that address, the oldest slow one is
    /// closed (`slowHeaderEvictions`). 0 = no per-address limit.
    package var maxSlowHeaderConnectionsPerAddress: Int = 32
    /// Header buffers libwebsockets may allocate at once (each connection holds one while it
    /// sends headers or a request body; held polls and streamed answers give theirs back).
    package var httpHeaderSlots: Int = 1024
    /// Asynchronous HTTP answers at once (`/api/available-csv-files` listings and
    /// `/api/csv-data/…` streams); more get `503`.
    package var maxHTTPStreams: Int = 16
    /// Of those, what one peer address may hold (stalled downloads from one address cannot make
    /// `/api/*` answer 503 to everyone).
    package var maxHTTPStreamsPerAddress: Int = 8
    /// Seconds a streamed HTTP answer may wait for its client to take the next piece before the
    /// connection is closed.
    package var httpStallTimeout: Int = 10

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
