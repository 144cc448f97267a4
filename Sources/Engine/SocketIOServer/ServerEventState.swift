import FastDecode

/// The server-wide focus that `start_stream` / `change_asset` set and `stop_stream` releases:
/// its 1-minute `candle_update`s go to every client that listens (``ClientSession/Focus``).
enum ServerFocus: Equatable {
    /// Nothing focused.
    case none
    /// One asset.
    case asset(AssetID)
    /// A name no asset has yet (as the client spelled it): becomes ``asset(_:)`` when the engine
    /// first sees an asset of that (loose) spelling.
    case pending(String)
    /// The asset the broker chart shows (`start_stream` without an asset).
    case follow
}

/// The coordinator's event state, owned by the network thread: the source's connection history.
/// (The focus and who listens to it are ``FocusRouter``'s; history jobs and the shared listing
/// are ``RequestJobs``'.)
struct ServerEventState {
    /// The source has been connected since the server started.
    var sourceWasConnected = false
    /// ... and lost since (the next connect is a reconnect: `chrome_reconnected`).
    var sourceLost = false
}

/// One client's request bookkeeping (network thread): its event budget, the history it waits
/// for, its `get_available_data` request.
struct ClientRequests {
    /// Its event budget.
    var events = TokenBucket()
    /// History keys asked for and not delivered yet (in the backlog or on the worker).
    var historyKeys: Set<SubscriptionKey> = []
    /// Keys waiting for a free job slot, oldest first from ``backlogHead``.
    var historyBacklog: [SubscriptionKey] = []
    var backlogHead = 0
    /// Jobs on the worker this client waits for.
    var historyRunning = 0
    /// Its `get_available_data` waits for the listing in progress.
    var listingPending = false
    /// When it was last answered a listing (monotonic ns; 0: never).
    var lastListingAt: UInt64 = 0

    /// Keys still in the backlog.
    var backlogCount: Int { historyBacklog.count - backlogHead }

    /// Takes the oldest backlog key.
    mutating func popBacklog() -> SubscriptionKey? {
        guard backlogHead < historyBacklog.count else { return nil }
        let key = historyBacklog[backlogHead]
        backlogHead += 1
        if backlogHead == historyBacklog.count {
            historyBacklog.removeAll(keepingCapacity: true)
            backlogHead = 0
        }
        return key
    }
}
