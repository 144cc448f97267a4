import Candles
import Metrics
import TextWriters

/// `/health` and `/metrics` (the HTTP part, pure): built from a snapshot of the counters, the
/// source's health and status, so they can be checked without a server.
extension HTTPExchanges {
    /// `/health`: the original's `status: "healthy"`, `chrome: "connected"|"disconnected"` and
    /// `timestamp` (ISO-8601), then qflux's own members.
    static func healthJSON(_ h: HealthSnapshot, _ st: StreamServerStats, status: SourceStatus, uptimeSeconds: Double)
        -> [UInt8]
    {
        var w = JSONWriter(capacity: 400)
        w.raw("{\"status\":\"healthy\",\"chrome\":");
        w.string(status.kind == .chrome && status.connected ? "connected" : "disconnected")
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock())
        w.raw(",\"uptime_seconds\":"); w.number((uptimeSeconds * 1000).rounded() / 1000)
        w.raw(",\"source\":{\"kind\":"); w.string(status.kind.rawValue)
        w.raw(",\"connected\":"); w.raw(status.connected ? "true" : "false"); w.raw("}")
        w.raw(",\"clients\":"); w.integer(st.clients)
        w.raw(",\"ticks\":"); w.integer(h.ticks)
        w.raw(",\"candle_updates\":"); w.integer(h.candleUpdates)
        w.raw(",\"last_tick_time\":")
        if let t = h.lastTickTime { w.number(t) } else { w.raw("null") }
        w.raw(",\"messages_sent\":"); w.integer(st.messagesSent)
        w.raw(",\"drops\":"); w.integer(st.drops)
        w.raw(",\"slow_disconnects\":"); w.integer(st.slowDisconnects)
        if !h.extraMembers.isEmpty { w.raw(","); w.raw(Array(h.extraMembers.utf8)) }
        w.raw("}")
        return w.bytes
    }

    /// `/metrics`: the server's lines from `st`, then the data source's (`sourceMetrics`).
    static func metricsText(_ st: StreamServerStats, uptimeSeconds: Double, sourceMetrics: String) -> String {
        var out = PrometheusText()
        out.add("qflux_server_uptime_seconds", .gauge, "Seconds since the server started.", uptimeSeconds)
        out.add("qflux_server_clients", .gauge, "WebSocket clients connected.", st.clients)
        out.add("qflux_server_connections_total", .counter, "WebSocket clients accepted.", st.connectionsTotal)
        out.add("qflux_server_messages_sent_total", .counter, "WebSocket messages written.", st.messagesSent)
        out.add("qflux_server_bytes_sent_total", .counter, "WebSocket payload bytes written.", st.bytesSent)
        out.add(
            "qflux_server_candle_updates_in_total", .counter, "Candle updates received from the engine.",
            st.candleUpdatesIn)
        out.add(
            "qflux_server_coalesced_total", .counter, "Queued candle updates replaced by a newer one.", st.coalesced)
        out.add("qflux_server_drops_total", .counter, "Messages dropped because a client queue was full.", st.drops)
        out.add(
            "qflux_server_slow_disconnects_total", .counter, "Clients disconnected for staying at their queue limit.",
            st.slowDisconnects)
        out.add(
            "qflux_server_inbound_errors_total", .counter, "Malformed or oversize client messages.", st.inboundErrors)
        out.add(
            "qflux_server_oversize_messages_total", .counter, "Client messages over the size limit.",
            st.oversizeMessages)
        out.add(
            "qflux_server_refused_max_clients_total", .counter, "Upgrades refused at the client limit.",
            st.refusedMaxClients)
        out.add(
            "qflux_server_auth_failures_total", .counter, "Connects refused for a wrong or missing token.",
            st.authFailures)
        out.add(
            "qflux_server_refused_origin_total", .counter, "Requests and upgrades refused for a foreign Origin (403).",
            st.refusedOrigin)
        out.add(
            "qflux_server_refused_host_total", .counter,
            "Requests and upgrades refused for a Host that does not name this server (403).", st.refusedHost)
        out.add(
            "qflux_server_refused_unauthenticated_total", .counter,
            "Upgrades refused at the unauthenticated-client limit (503).", st.refusedUnauthenticated)
        out.add(
            "qflux_server_auth_timeouts_total", .counter, "Clients closed for not authenticating in time.",
            st.authTimeouts)
        out.add(
            "qflux_server_http_auth_failures_total", .counter,
            "/health, /metrics and /api requests without the token (401).", st.httpAuthFailures)
        out.add(
            "qflux_server_analysis_refused_total", .counter,
            "run_backtest/calculate_indicators refused because too many were queued.", st.analysisRefused)
        out.add(
            "qflux_server_ping_timeouts_total", .counter, "Clients dropped for not answering a ping.", st.pingTimeouts)
        out.add(
            "qflux_server_handoff_drops_total", .counter, "Candle updates refused because the engine ring was full.",
            st.handoffDrops)
        out.add("qflux_server_max_queue_depth", .gauge, "Deepest client queue seen.", st.maxQueueDepth)
        appendLimitMetrics(to: &out, st)
        out.add("qflux_server_max_queue_bytes", .gauge, "Most bytes any client queue has held.", st.maxQueueBytes)
        out.add(
            "qflux_server_budget_disconnects_total", .counter, "Clients cut for passing their per-client byte budget.",
            st.budgetDisconnects)
        out.add(
            "qflux_server_rate_limited_total", .counter,
            "Clients cut for sending messages faster than the inbound rate limit.", st.rateLimited)
        out.add(
            "qflux_server_analysis_replies_too_large_total", .counter,
            "Analysis answers over the reply bound (half the client byte budget), sent as their error event instead.",
            st.analysisRepliesTooLarge)
        out.add(
            "qflux_server_analysis_errors_total", .counter,
            "Analysis requests answered with their error event (bad requests, unknown files, over the indicator budget).",
            st.analysisErrors)
        out.add(
            "qflux_server_handshakes_evicted_total", .counter,
            "Long-polling handshakes without a Socket.IO connect closed to make room for newer ones (per address, or a full pool).",
            st.handshakesEvicted)
        out.add(
            "qflux_server_handshake_timeouts_total", .counter,
            "Long-polling sessions closed for no Socket.IO connect within the handshake timeout.", st.handshakeTimeouts)
        out.add(
            "qflux_server_reads_held_total", .counter,
            "Times a connection was not read while the kernel had not taken all output for it (read again once it drains).",
            st.readsHeld)
        out.add(
            "qflux_server_polling_sessions", .gauge, "Sessions carried by HTTP long-polling now.", st.pollingSessions)
        out.add(
            "qflux_server_polling_sessions_total", .counter, "Sessions opened over HTTP long-polling.",
            st.pollingSessionsTotal)
        out.add("qflux_server_upgrades_total", .counter, "Long-polling sessions upgraded to a WebSocket.", st.upgrades)
        out.add(
            "qflux_server_polling_timeouts_total", .counter,
            "Long-polling sessions closed for sending no GET within pingInterval + pingTimeout.", st.pollingTimeouts)
        out.add(
            "qflux_server_polling_overlaps_total", .counter,
            "Long-polling sessions closed for a second concurrent GET or POST.", st.pollingOverlaps)
        out.add(
            "qflux_server_slow_header_evictions_total", .counter,
            "Connections closed because their address held too many connections slow to send their request.",
            st.slowHeaderEvictions)
        out.add("qflux_server_http_streams", .gauge, "CSV API answers (listings, streams) under way.", st.httpStreams)
        out.add(
            "qflux_server_http_streams_refused_total", .counter, "CSV API requests refused at the stream limit (503).",
            st.httpStreamsRefused)
        out.add("qflux_server_csv_bytes_sent_total", .counter, "CSV bytes streamed by /api/csv-data.", st.csvBytesSent)
        out.add(
            "qflux_server_batched_writes_total", .counter,
            "WebSocket writes that carried several queued messages in one send.", st.batchedWrites)
        out.append(sourceMetrics)
        return out.text
    }

    // MARK: metrics

    /// The inbound-limit lines of `/metrics`.
    static func appendLimitMetrics(to out: inout PrometheusText, _ st: StreamServerStats) {
        out.add(
            "qflux_server_subscriptions_refused_total", .counter, "Subscriptions refused at the per-client limit.",
            st.subscriptionsRefused)
        out.add(
            "qflux_server_available_data_refused_total", .counter,
            "get_available_data answered data_error: the client's previous one was pending or too recent.",
            st.listingRefused)
        out.add(
            "qflux_server_available_data_cached_total", .counter,
            "get_available_data answered from the shared listing.", st.listingCacheHits)
        out.add(
            "qflux_server_clients_over_budget_total", .counter,
            "Clients disconnected for sending events beyond their budget.", st.clientsOverBudget)
        out.add(
            "qflux_server_history_merged_total", .counter, "History requests served by a job already pending.",
            st.historyMerged)
        out.add("qflux_server_history_jobs", .gauge, "History jobs on the worker queue.", st.historyJobs)
        out.add(
            "qflux_server_history_backlog", .gauge, "History requests waiting in client backlogs.", st.historyBacklog)
    }
}
