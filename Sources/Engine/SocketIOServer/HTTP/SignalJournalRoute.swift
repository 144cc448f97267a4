/// `GET /api/signals?since=T&limit=N` (docs/server-protocol.md, "HTTP"): the signal journal under
/// the server's data directory as JSON, oldest first from `since` (epoch seconds, default 0), at
/// most `limit` entries (default and maximum ``maxEntries``); read on the HTTP queue.
extension HTTPExchanges {
    /// The most entries one answer holds (`limit` is clamped to it); `next_since` pages on.
    static let maxSignalEntries = 1000

    /// The route of `/api/signals`, nil for any other path; `since` and `limit` are the query's.
    static func signalsRoute(path: String, since: String?, limit: String?) -> APIRoute? {
        guard path == "/api/signals" || path == "/api/signals/" else { return nil }
        var start: Int64 = 0
        if let since, !since.isEmpty {
            guard since.utf8.count <= 20, let t = Int64(since), t >= 0 else {
                return .invalid("{\"error\":\"since must be epoch seconds\"}")
            }
            start = t
        }
        var count = maxSignalEntries
        if let limit, !limit.isEmpty {
            guard limit.utf8.count <= 9, let n = Int(limit), n > 0 else {
                return .invalid("{\"error\":\"limit must be a positive count\"}")
            }
            count = min(n, maxSignalEntries)
        }
        return .signals(since: start, limit: count)
    }
}

extension StreamServerDataSource {
    /// Default: no journal (`/api/signals` answers 404).
    package func signalJournalJSON(since: Int64, limit: Int) throws -> [UInt8]? { nil }
}
