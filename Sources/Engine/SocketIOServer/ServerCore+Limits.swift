import Candles
import CLibWebSockets
import FastDecode
import Metrics
import ThreadSupport
import Dispatch
import Logging
import Synchronization

/// Requests per client (network thread): the event budget (its bucket is ``ServerLimits``'),
/// history jobs (bounded per client, one worker job per asset × timeframe shared by every client
/// waiting for it), and the `get_available_data` listing (one in progress, reused by every client
/// for a couple of seconds).
extension ServerCore {
    // MARK: event budget

    /// Spends one event of the client's budget; a client without budget is told, counted,
    /// disconnected ``ServerLimits/budgetDisconnectGrace`` later (closed at most 2 s after that)
    /// and its further events are ignored. False then.
    func withinBudget(_ s: ClientSession) -> Bool {
        if s.closeAfterFlush || s.overBudget { return false }
        if limits.takeEvent(&s.requests.events, now: monotonicNanos()) { return true }
        logger.info("disconnecting a client over its request budget", metadata: ["sid": "\(s.sid)"])
        enqueue(s, SocketIOEncoder.event("error", payload: ServerPayloads.error(limits.overBudgetMessage, timestamp: true)), force: true)
        s.overBudget = true
        dropHistoryBacklog(s)
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

    // MARK: history

    /// Queues `historical_candles_loaded` of `asset` at `timeframe` for a client: nothing when it
    /// already waits for that key; a worker job unless one for the key is pending (then it joins
    /// it); the client's backlog when it already waits on ``StreamServerConfig/maxHistoryJobsPerClient`` jobs.
    func scheduleHistory(_ s: ClientSession, asset: AssetID, timeframe: Timeframe) {
        let key = SubscriptionKey(asset: asset.rawValue, seconds: timeframe.seconds)
        guard s.requests.historyKeys.insert(key).inserted else {
            counters.add(counters.historyMerged)
            return
        }
        if s.requests.historyRunning < max(1, config.maxHistoryJobsPerClient) {
            startHistory(s, key)
        } else {
            s.requests.historyBacklog.append(key)
            events.historyBacklog += 1
            counters.historyBacklog.store(events.historyBacklog, ordering: .relaxed)
        }
    }

    /// Forgets a leaving client's history backlog (its jobs already on the worker finish and are skipped).
    func dropHistoryBacklog(_ s: ClientSession) {
        events.historyBacklog -= s.requests.backlogCount
        s.requests.historyBacklog.removeAll()
        s.requests.backlogHead = 0
        counters.historyBacklog.store(events.historyBacklog, ordering: .relaxed)
    }

    private func startHistory(_ s: ClientSession, _ key: SubscriptionKey) {
        s.requests.historyRunning += 1
        if events.historyJobs[key] != nil {
            events.historyJobs[key]!.append(s.id)
            counters.add(counters.historyMerged)
            return
        }
        events.historyJobs[key] = [s.id]
        counters.historyJobs.store(events.historyJobs.count, ordering: .relaxed)
        let ds = dataSource, dir = directory, inbox = inbox
        worker.async {
            let asset = AssetID(rawValue: key.asset), timeframe = Timeframe(seconds: key.seconds)
            let h = ds.recentCandles(asset: asset, timeframe: timeframe)
            let payload = ServerPayloads.history(asset: dir.name(of: asset), timeframe: timeframe, h)
            inbox.post(.historyDone(key: key, frame: SocketIOEncoder.event("historical_candles_loaded", payload: payload)))
        }
    }

    /// A history job finished: every client still here that waited on it gets the frame (the
    /// same bytes) and starts its next backlog key.
    func historyDone(_ key: SubscriptionKey, _ frame: [UInt8]) {
        guard let waiting = events.historyJobs.removeValue(forKey: key) else { return }
        counters.historyJobs.store(events.historyJobs.count, ordering: .relaxed)
        for id in waiting {
            guard let s = sessions[id], !s.killed, !s.closeAfterFlush else { continue }
            s.requests.historyRunning -= 1
            s.requests.historyKeys.remove(key)
            if s.socketConnected { enqueue(s, frame) }
            while s.requests.historyRunning < max(1, config.maxHistoryJobsPerClient), let next = s.requests.popBacklog() {
                events.historyBacklog -= 1
                startHistory(s, next)
            }
        }
        counters.historyBacklog.store(events.historyBacklog, ordering: .relaxed)
    }

    // MARK: get_available_data

    /// Answers `get_available_data`: from the shared listing when it is fresh, else by joining
    /// (or starting) the listing in progress. One request per client at a time, at most one
    /// answer per ``StreamServerConfig/availableDataInterval``: others get `data_error` at once.
    func scheduleAvailableData(_ s: ClientSession, ack: Int?) {
        let now = monotonicNanos()
        let interval = UInt64(max(0, config.availableDataInterval) * 1e9)
        if s.requests.listingPending || (s.requests.lastListingAt != 0 && now - s.requests.lastListingAt < interval) {
            counters.add(counters.listingRefused)
            let message = s.requests.listingPending
                ? "get_available_data: your previous request is still being answered"
                : "get_available_data: at most one request per \(config.availableDataInterval) s; try again"
            emit(s, "data_error", ServerPayloads.error(message, timestamp: true), ack: ack)
            return
        }
        if let listing = events.listing, now - listing.at < UInt64(max(0, config.availableDataCacheSeconds) * 1e9) {
            counters.add(counters.listingCacheHits)
            s.requests.lastListingAt = now
            enqueue(s, listing.frame)
            if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: listing.payload)) }
            return
        }
        s.requests.listingPending = true
        events.listingWaiters.append((s.id, ack))
        guard !events.listingInFlight else { return }
        events.listingInFlight = true
        let ds = dataSource, inbox = inbox
        worker.async {
            do {
                inbox.post(.listingDone(event: "available_data", payload: ServerPayloads.availableData(try ds.availableFiles())))
            } catch {
                inbox.post(.listingDone(event: "data_error", payload: ServerPayloads.error("\(error)", timestamp: false)))
            }
        }
    }

    /// The listing is made: kept for the next requests, sent to every client waiting for it.
    func listingDone(event: String, payload: [UInt8]) {
        let now = monotonicNanos()
        let frame = SocketIOEncoder.event(event, payload: payload)
        events.listing = (event, payload, frame, now)
        events.listingInFlight = false
        for (id, ack) in events.listingWaiters {
            guard let s = sessions[id], !s.killed else { continue }
            s.requests.listingPending = false
            s.requests.lastListingAt = now
            guard s.socketConnected else { continue }
            enqueue(s, frame)
            if let ack { enqueue(s, SocketIOEncoder.ack(id: ack, payload: payload)) }
        }
        events.listingWaiters.removeAll()
    }
}
