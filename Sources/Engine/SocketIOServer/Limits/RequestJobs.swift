import Candles
import Dispatch
import FastDecode
import Synchronization

/// Per-client request work the limits bound (network thread, owned by ``ServerCore``; the
/// limits part with ``ServerLimits``): history jobs – bounded per client, one worker job per
/// asset × timeframe shared by every client waiting for it – and the `get_available_data`
/// listing – one in progress, reused by every client for a couple of seconds. Sends nothing
/// itself: what reaches a client is the caller's (`send` closures, ``ListingAnswer``).
final class RequestJobs {
    let config: StreamServerConfig
    let counters: ServerCounters
    let sessions: ServerSessions
    let dataSource: any StreamServerDataSource
    let directory: AssetDirectory
    let inbox: ServerInbox
    /// The queue history jobs and listings run on.
    let worker: DispatchQueue

    /// History jobs on the worker queue: key → clients waiting for it (one job per key).
    private(set) var historyJobs: [SubscriptionKey: [UInt64]] = [:]
    /// History keys waiting in client backlogs (all clients; for `/metrics`).
    private(set) var historyBacklog = 0

    /// The newest `get_available_data` answer (event name, payload) and when it was made.
    private(set) var listing: (event: String, payload: [UInt8], frame: [UInt8], at: UInt64)?
    /// Clients waiting for the listing in progress.
    private var listingWaiters: [(client: UInt64, ack: Int?)] = []
    /// A listing is being made on the worker queue.
    private(set) var listingInFlight = false

    init(
        config: StreamServerConfig, counters: ServerCounters, sessions: ServerSessions,
        dataSource: any StreamServerDataSource, directory: AssetDirectory, inbox: ServerInbox, worker: DispatchQueue
    ) {
        self.config = config
        self.counters = counters
        self.sessions = sessions
        self.dataSource = dataSource
        self.directory = directory
        self.inbox = inbox
        self.worker = worker
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
            historyBacklog += 1
            counters.historyBacklog.store(historyBacklog, ordering: .relaxed)
        }
    }

    /// Forgets a leaving client's history backlog (its jobs already on the worker finish and are skipped).
    func dropHistoryBacklog(_ s: ClientSession) {
        historyBacklog -= s.requests.backlogCount
        s.requests.historyBacklog.removeAll()
        s.requests.backlogHead = 0
        counters.historyBacklog.store(historyBacklog, ordering: .relaxed)
    }

    /// The backlog gauge recounted (the routes were rebuilt over every session).
    func setHistoryBacklog(_ backlog: Int) {
        historyBacklog = backlog
        counters.historyBacklog.store(backlog, ordering: .relaxed)
    }

    private func startHistory(_ s: ClientSession, _ key: SubscriptionKey) {
        s.requests.historyRunning += 1
        if historyJobs[key] != nil {
            historyJobs[key]!.append(s.id)
            counters.add(counters.historyMerged)
            return
        }
        historyJobs[key] = [s.id]
        counters.historyJobs.store(historyJobs.count, ordering: .relaxed)
        let ds = dataSource, dir = directory, inbox = inbox
        worker.async {
            let asset = AssetID(rawValue: key.asset), timeframe = Timeframe(seconds: key.seconds)
            let h = ds.recentCandles(asset: asset, timeframe: timeframe)
            let payload = ServerPayloads.history(asset: dir.name(of: asset), timeframe: timeframe, h)
            inbox.post(
                .historyDone(key: key, frame: SocketIOEncoder.event("historical_candles_loaded", payload: payload)))
        }
    }

    /// A history job finished: every client still here that waited on it gets the frame (`send`,
    /// when it is connected) and starts its next backlog key.
    func historyDone(_ key: SubscriptionKey, send: (ClientSession) -> Void) {
        guard let waiting = historyJobs.removeValue(forKey: key) else { return }
        counters.historyJobs.store(historyJobs.count, ordering: .relaxed)
        for id in waiting {
            guard let s = sessions[id], !s.killed, !s.closeAfterFlush else { continue }
            s.requests.historyRunning -= 1
            s.requests.historyKeys.remove(key)
            if s.socketConnected { send(s) }
            while s.requests.historyRunning < max(1, config.maxHistoryJobsPerClient), let next = s.requests.popBacklog()
            {
                historyBacklog -= 1
                startHistory(s, next)
            }
        }
        counters.historyBacklog.store(historyBacklog, ordering: .relaxed)
    }

    // MARK: get_available_data

    /// What a `get_available_data` gets now.
    enum ListingAnswer: Equatable {
        /// `data_error` with this text (counted): the client's previous request is pending or too recent.
        case refused(String)
        /// The shared listing, fresh enough (counted): its frame and payload (for an ack).
        case cached(frame: [UInt8], payload: [UInt8])
        /// The client waits for the listing in progress (``listingDone(event:payload:send:)``).
        case pending
    }

    /// A `get_available_data`: from the shared listing when it is fresh, else by joining (or
    /// starting) the listing in progress. One request per client at a time, at most one answer per
    /// ``StreamServerConfig/availableDataInterval``: others are refused at once.
    func requestListing(_ s: ClientSession, ack: Int?, now: UInt64) -> ListingAnswer {
        let interval = UInt64(max(0, config.availableDataInterval) * 1e9)
        if s.requests.listingPending || (s.requests.lastListingAt != 0 && now - s.requests.lastListingAt < interval) {
            counters.add(counters.listingRefused)
            return .refused(
                s.requests.listingPending
                    ? "get_available_data: your previous request is still being answered"
                    : "get_available_data: at most one request per \(config.availableDataInterval) s; try again")
        }
        if let listing, now - listing.at < UInt64(max(0, config.availableDataCacheSeconds) * 1e9) {
            counters.add(counters.listingCacheHits)
            s.requests.lastListingAt = now
            return .cached(frame: listing.frame, payload: listing.payload)
        }
        s.requests.listingPending = true
        listingWaiters.append((s.id, ack))
        guard !listingInFlight else { return .pending }
        listingInFlight = true
        let ds = dataSource, inbox = inbox
        worker.async {
            do {
                inbox.post(
                    .listingDone(
                        event: "available_data", payload: ServerPayloads.availableData(try ds.availableFiles())))
            } catch {
                inbox.post(
                    .listingDone(event: "data_error", payload: ServerPayloads.error("\(error)", timestamp: false)))
            }
        }
        return .pending
    }

    /// The listing is made: kept for the next requests; every connected client waiting for it
    /// gets it (`send` with its frame and the client's ack id).
    func listingDone(event: String, payload: [UInt8], now: UInt64, send: (ClientSession, [UInt8], Int?) -> Void) {
        let frame = SocketIOEncoder.event(event, payload: payload)
        listing = (event, payload, frame, now)
        listingInFlight = false
        for (id, ack) in listingWaiters {
            guard let s = sessions[id], !s.killed else { continue }
            s.requests.listingPending = false
            s.requests.lastListingAt = now
            guard s.socketConnected else { continue }
            send(s, frame, ack)
        }
        listingWaiters.removeAll()
    }
}
