import Foundation

/// Analysis admission (network thread, owned by ``ServerCore``): `run_backtest` and
/// `calculate_indicators` requests queued or running, server-wide, per client and per peer
/// address, and the bound on one reply. A request is admitted only while all three shares have
/// room (docs/server-protocol.md, "Limits"); each admitted one is given back with
/// ``done(client:address:)`` when its reply comes back through the inbox.
struct AnalysisAdmission {
    /// Server-wide bound (``StreamServerConfig/maxPendingAnalysis``).
    let maxPending: Int
    /// Per client (``StreamServerConfig/maxPendingAnalysisPerClient``).
    let maxPerClient: Int
    /// Per peer address (``StreamServerConfig/maxPendingAnalysisPerAddress``, at least 1).
    let maxPerAddress: Int

    /// Requests queued or running.
    private(set) var pending = 0
    /// … by client id and by peer address (no zero entries).
    private(set) var byClient: [UInt64: Int] = [:]
    private(set) var byAddress: [String: Int] = [:]

    init(maxPending: Int, maxPerClient: Int, maxPerAddress: Int) {
        self.maxPending = maxPending
        self.maxPerClient = maxPerClient
        self.maxPerAddress = max(1, maxPerAddress)
    }

    init(config: StreamServerConfig) {
        self.init(
            maxPending: config.maxPendingAnalysis, maxPerClient: config.maxPendingAnalysisPerClient,
            maxPerAddress: config.maxPendingAnalysisPerAddress)
    }

    /// Why a new request of `client` (from `address`) is refused now, or nil: the server-wide
    /// queue is full, or the client or its address already has its share of it.
    func refusal(client: UInt64, address: String) -> String? {
        if pending >= maxPending {
            return "server busy: \(pending) analysis requests queued, try again"
        }
        let mine = byClient[client, default: 0]
        if mine >= maxPerClient {
            return
                "busy: \(mine) analysis requests of this client under way (at most \(maxPerClient)), wait for their answers"
        }
        if byAddress[address, default: 0] >= maxPerAddress {
            return "busy: \(maxPerAddress) analysis requests from this address under way, wait for their answers"
        }
        return nil
    }

    /// Takes a slot for a request (after ``refusal(client:address:)`` said nil).
    mutating func admit(client: UInt64, address: String) {
        pending += 1
        byClient[client, default: 0] += 1
        byAddress[address, default: 0] += 1
    }

    /// A request's reply came back: its slot is free.
    mutating func done(client: UInt64, address: String) {
        pending -= 1
        if let n = byClient[client] { byClient[client] = n > 1 ? n - 1 : nil }
        if let n = byAddress[address] { byAddress[address] = n > 1 ? n - 1 : nil }
    }

    /// The reply and error event names of an analysis request.
    static func replies(_ name: String) -> (ok: String, error: String) {
        name == "run_backtest" ? ("backtest_complete", "backtest_error") : ("indicators_calculated", "indicators_error")
    }

    /// The error of an answer over ``StreamServerConfig/maxAnalysisReplyBytes``.
    static func tooLarge(_ size: Int, max: Int, backtest: Bool) -> String {
        func mb(_ n: Int) -> String {
            n < 1 << 20 ? "\((n + 1023) / 1024) KB" : String(format: "%.1f MB", Double(n) / 1_048_576)
        }
        let less =
            backtest
            ? "backtest a shorter series (qflux backtest has no such limit)"
            : "ask for fewer points (limit) or fewer instances"
        return
            "the answer is \(mb(size)), more than one reply may carry (\(mb(max)), half of --client-budget-kb): \(less)"
    }

    /// The frames of a reply over `maxBytes` in all (event and ack), or nil when it fits.
    static func overBound(_ frames: [[UInt8]], maxBytes: Int) -> Int? {
        let size = frames.reduce(0) { $0 + $1.count }
        return size > maxBytes ? size : nil
    }
}
