import CLibWebSockets
import Candles
import FastDecode
import Logging
import ThreadSupport

/// Requests per client (network thread): the event budget (its bucket is ``ServerLimits``'), and
/// what reaches a client from the history jobs and the shared listing (``RequestJobs``).
extension ServerCore {
    // MARK: event budget

    /// Spends one event of the client's budget; a client without budget is told, counted,
    /// disconnected ``ServerLimits/budgetDisconnectGrace`` later (closed at most 2 s after that)
    /// and its further events are ignored. False then.
    func withinBudget(_ s: ClientSession) -> Bool {
        if s.closeAfterFlush || s.overBudget { return false }
        if limits.takeEvent(&s.requests.events, now: monotonicNanos()) { return true }
        logger.info("disconnecting a client over its request budget", metadata: ["sid": "\(s.sid)"])
        enqueue(
            s, SocketIOEncoder.event("error", payload: ServerPayloads.error(limits.overBudgetMessage, timestamp: true)),
            force: true)
        s.overBudget = true
        jobs.dropHistoryBacklog(s)
        armPingTimer(s, seconds: ServerLimits.budgetDisconnectGrace)
        requestWrite(s)
        return false
    }

    /// The grace after the budget `error` is over: `disconnect`, then close after the flush.
    func disconnectOverBudget(_ s: ClientSession) {
        enqueue(s, SocketIOEncoder.disconnect, force: true)
        s.closeAfterFlush = true
        qf_lws_set_user_timeout(s.wsi, 2)
        requestWrite(s)
    }

    // MARK: history and get_available_data

    /// A history job finished: its frame (the same bytes) to every client waiting for it.
    func historyDone(_ key: SubscriptionKey, _ frame: [UInt8]) {
        jobs.historyDone(key) { enqueue($0, frame) }
    }

    /// The listing is made: sent to every client waiting for it.
    func listingDone(event: String, payload: [UInt8]) {
        jobs.listingDone(event: event, payload: payload, now: monotonicNanos()) { s, frame, ack in
            enqueue(s, frame)
            if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
        }
    }
}
