import Synchronization

/// Counters of the server front, written on the network thread and readable from any thread.
final class ServerCounters: Sendable {
    let clients = Atomic<Int>(0)
    let connectionsTotal = Atomic<UInt64>(0)
    let messagesSent = Atomic<UInt64>(0)
    let bytesSent = Atomic<UInt64>(0)
    let candleUpdatesIn = Atomic<UInt64>(0)
    let coalesced = Atomic<UInt64>(0)
    let drops = Atomic<UInt64>(0)
    let slowDisconnects = Atomic<UInt64>(0)
    let inboundErrors = Atomic<UInt64>(0)
    let oversizeMessages = Atomic<UInt64>(0)
    let refusedMaxClients = Atomic<UInt64>(0)
    let authFailures = Atomic<UInt64>(0)
    let pingTimeouts = Atomic<UInt64>(0)
    let refusedOrigin = Atomic<UInt64>(0)
    let refusedHost = Atomic<UInt64>(0)
    let refusedUnauthenticated = Atomic<UInt64>(0)
    let authTimeouts = Atomic<UInt64>(0)
    let httpAuthFailures = Atomic<UInt64>(0)
    let analysisRefused = Atomic<UInt64>(0)
    let maxQueueDepth = Atomic<Int>(0)
    let batches = Atomic<UInt64>(0)
    // inbound limits (ServerCore+Limits.swift)
    let subscriptionsRefused = Atomic<UInt64>(0)
    let listingRefused = Atomic<UInt64>(0)
    let listingCacheHits = Atomic<UInt64>(0)
    let clientsOverBudget = Atomic<UInt64>(0)
    let historyMerged = Atomic<UInt64>(0)
    let historyJobs = Atomic<Int>(0)
    let historyBacklog = Atomic<Int>(0)
    let pollingSessions = Atomic<Int>(0)
    let pollingSessionsTotal = Atomic<UInt64>(0)
    let upgrades = Atomic<UInt64>(0)
    let pollingTimeouts = Atomic<UInt64>(0)
    let pollingOverlaps = Atomic<UInt64>(0)
    let budgetDisconnects = Atomic<UInt64>(0)
    let rateLimited = Atomic<UInt64>(0)
    let maxQueueBytes = Atomic<Int>(0)
    let slowHeaderEvictions = Atomic<UInt64>(0)
    let httpStreams = Atomic<Int>(0)
    let httpStreamsRefused = Atomic<UInt64>(0)
    let csvBytesSent = Atomic<UInt64>(0)
    let batchedWrites = Atomic<UInt64>(0)
    let readsHeld = Atomic<UInt64>(0)
    let analysisRepliesTooLarge = Atomic<UInt64>(0)
    let analysisErrors = Atomic<UInt64>(0)
    let handshakesEvicted = Atomic<UInt64>(0)
    let handshakeTimeouts = Atomic<UInt64>(0)

    func add(_ a: borrowing Atomic<UInt64>, _ n: UInt64 = 1) {
        a.wrappingAdd(n, ordering: .relaxed)
    }

    func snapshot(handoffDrops: Int) -> StreamServerStats {
        StreamServerStats(
            clients: clients.load(ordering: .relaxed),
            connectionsTotal: connectionsTotal.load(ordering: .relaxed),
            messagesSent: messagesSent.load(ordering: .relaxed),
            bytesSent: bytesSent.load(ordering: .relaxed),
            candleUpdatesIn: candleUpdatesIn.load(ordering: .relaxed),
            coalesced: coalesced.load(ordering: .relaxed),
            drops: drops.load(ordering: .relaxed),
            slowDisconnects: slowDisconnects.load(ordering: .relaxed),
            inboundErrors: inboundErrors.load(ordering: .relaxed),
            oversizeMessages: oversizeMessages.load(ordering: .relaxed),
            refusedMaxClients: refusedMaxClients.load(ordering: .relaxed),
            authFailures: authFailures.load(ordering: .relaxed),
            pingTimeouts: pingTimeouts.load(ordering: .relaxed),
            refusedOrigin: refusedOrigin.load(ordering: .relaxed),
            refusedHost: refusedHost.load(ordering: .relaxed),
            refusedUnauthenticated: refusedUnauthenticated.load(ordering: .relaxed),
            authTimeouts: authTimeouts.load(ordering: .relaxed),
            httpAuthFailures: httpAuthFailures.load(ordering: .relaxed),
            analysisRefused: analysisRefused.load(ordering: .relaxed),
            maxQueueDepth: maxQueueDepth.load(ordering: .relaxed),
            batches: batches.load(ordering: .relaxed),
            handoffDrops: UInt64(handoffDrops),
            subscriptionsRefused: subscriptionsRefused.load(ordering: .relaxed),
            listingRefused: listingRefused.load(ordering: .relaxed),
            listingCacheHits: listingCacheHits.load(ordering: .relaxed),
            clientsOverBudget: clientsOverBudget.load(ordering: .relaxed),
            historyMerged: historyMerged.load(ordering: .relaxed),
            historyJobs: historyJobs.load(ordering: .relaxed),
            historyBacklog: historyBacklog.load(ordering: .relaxed),
            pollingSessions: pollingSessions.load(ordering: .relaxed),
            pollingSessionsTotal: pollingSessionsTotal.load(ordering: .relaxed),
            upgrades: upgrades.load(ordering: .relaxed),
            pollingTimeouts: pollingTimeouts.load(ordering: .relaxed),
            pollingOverlaps: pollingOverlaps.load(ordering: .relaxed),
            budgetDisconnects: budgetDisconnects.load(ordering: .relaxed),
            rateLimited: rateLimited.load(ordering: .relaxed),
            maxQueueBytes: maxQueueBytes.load(ordering: .relaxed),
            slowHeaderEvictions: slowHeaderEvictions.load(ordering: .relaxed),
            httpStreams: httpStreams.load(ordering: .relaxed),
            httpStreamsRefused: httpStreamsRefused.load(ordering: .relaxed),
            csvBytesSent: csvBytesSent.load(ordering: .relaxed),
            batchedWrites: batchedWrites.load(ordering: .relaxed),
            readsHeld: readsHeld.load(ordering: .relaxed),
            analysisRepliesTooLarge: analysisRepliesTooLarge.load(ordering: .relaxed),
            analysisErrors: analysisErrors.load(ordering: .relaxed),
            handshakesEvicted: handshakesEvicted.load(ordering: .relaxed),
            handshakeTimeouts: handshakeTimeouts.load(ordering: .relaxed))
    }
}

/// A snapshot of the server's counters (also served on `/metrics`).
package struct StreamServerStats: Sendable, Equatable {
    /// WebSocket clients connected now.
    package var clients: Int
    /// WebSocket clients accepted since start.
    package var connectionsTotal: UInt64
    /// WebSocket messages written.
    package var messagesSent: UInt64
    /// Payload bytes written to WebSocket clients.
    package var bytesSent: UInt64
    /// Candle updates received from the engine.
    package var candleUpdatesIn: UInt64
    /// Queued `candle_update`s replaced by a newer one for the same candle.
    package var coalesced: UInt64
    /// Messages dropped because a client's queue was full.
    package var drops: UInt64
    /// Clients disconnected for staying at their queue limit.
    package var slowDisconnects: UInt64
    /// Malformed or oversize client messages (each closed its client).
    package var inboundErrors: UInt64
    /// Client messages over the size limit.
    package var oversizeMessages: UInt64
    /// WebSocket upgrades refused because of the client limit.
    package var refusedMaxClients: UInt64
    /// Socket.IO connects refused for a wrong or missing token.
    package var authFailures: UInt64
    /// Clients dropped for not answering a ping in time.
    package var pingTimeouts: UInt64
    /// Requests and upgrades refused for a browser `Origin` that is not accepted (403).
    package var refusedOrigin: UInt64 = 0
    /// Requests and upgrades refused for a `Host` that does not name this server (403).
    package var refusedHost: UInt64 = 0
    /// Upgrades refused because too many clients had not authenticated yet (503).
    package var refusedUnauthenticated: UInt64 = 0
    /// Clients closed for not authenticating within the unauthenticated timeout.
    package var authTimeouts: UInt64 = 0
    /// `/health` and `/metrics` requests refused without the token (`--protect-http`, 401).
    package var httpAuthFailures: UInt64 = 0
    /// `run_backtest` / `calculate_indicators` answered with their error event because too many were queued.
    package var analysisRefused: UInt64 = 0
    /// The deepest any client queue has been.
    package var maxQueueDepth: Int
    /// Batches handed over by the engine.
    package var batches: UInt64
    /// Candle updates refused because the engine→network ring was full.
    package var handoffDrops: UInt64
    /// Subscriptions refused because the client held ``StreamServerConfig/maxSubscriptionsPerClient``.
    package var subscriptionsRefused: UInt64 = 0
    /// `get_available_data` requests answered `data_error` because the client's previous one was
    /// pending or too recent.
    package var listingRefused: UInt64 = 0
    /// `get_available_data` requests answered from the shared listing.
    package var listingCacheHits: UInt64 = 0
    /// Clients disconnected for sending events beyond their budget.
    package var clientsOverBudget: UInt64 = 0
    /// History requests served by a job already pending (same key, same or another client).
    package var historyMerged: UInt64 = 0
    /// History jobs on the worker queue now.
    package var historyJobs: Int = 0
    /// History requests waiting in client backlogs now.
    package var historyBacklog: Int = 0
    /// Sessions carried by HTTP long-polling now (not yet upgraded).
    package var pollingSessions: Int = 0
    /// Sessions opened over long-polling since start.
    package var pollingSessionsTotal: UInt64 = 0
    /// Long-polling sessions upgraded to a WebSocket.
    package var upgrades: UInt64 = 0
    /// Long-polling sessions closed because no `GET` came within pingInterval + pingTimeout.
    package var pollingTimeouts: UInt64 = 0
    /// Long-polling sessions closed for a second concurrent `GET` or `POST`.
    package var pollingOverlaps: UInt64 = 0
    /// Clients cut because their queued bytes would pass the per-client byte budget.
    package var budgetDisconnects: UInt64 = 0
    /// Clients cut for sending messages faster than the inbound rate limit.
    package var rateLimited: UInt64 = 0
    /// The most bytes any client queue has held.
    package var maxQueueBytes: Int = 0
    /// Connections closed because their address had too many connections slow to send headers.
    package var slowHeaderEvictions: UInt64 = 0
    /// Asynchronous HTTP answers (CSV listings and streams) under way now.
    package var httpStreams: Int = 0
    /// CSV API requests refused with `503` at the stream limit.
    package var httpStreamsRefused: UInt64 = 0
    /// CSV bytes written by `/api/csv-data/…`.
    package var csvBytesSent: UInt64 = 0
    /// WebSocket writes that carried several queued messages in one `send`.
    package var batchedWrites: UInt64 = 0
    /// Times a connection stopped being read because libwebsockets still held output for it
    /// (``ServerCore/holdReadsWhileOutputBuffered(_:)``); it is read again once that drains.
    package var readsHeld: UInt64 = 0
    /// Analysis answers replaced by their error event for being over the reply bound
    /// (``StreamServerConfig/maxAnalysisReplyBytes``).
    package var analysisRepliesTooLarge: UInt64 = 0
    /// Analysis requests answered with their error event by the analysis code: bad requests,
    /// unknown files, and requests over the indicator budget (instances, memory, work, reply).
    package var analysisErrors: UInt64 = 0
    /// Long-polling handshakes closed to make room for a newer one of the same address (or in a
    /// full pool) before their Socket.IO connect (``HandshakePool``).
    package var handshakesEvicted: UInt64 = 0
    /// Long-polling sessions closed for no Socket.IO connect within `handshakeTimeout`.
    package var handshakeTimeouts: UInt64 = 0
}
