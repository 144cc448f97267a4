import Candles
import FastDecode

/// What the focus needs from the coordinator: the source's status, the detected asset, events to clients.
protocol FocusHost: AnyObject {
    var status: SourceStatus { get }
    var detected: AssetID? { get }
    func emit(_ s: ClientSession, _ name: String, _ payload: [UInt8], ack: Int?)
}

/// The server-wide focus (network thread): set by `start_stream` / `change_asset` and by the
/// broker chart, released by `stop_stream`; its 1-minute candles go to every listening client
/// (docs/server-protocol.md, "Focus"). Network thread, owned by ``ServerCore``; the focus
/// and routing part with ``FocusRouter``, whose state it changes. Reaches the coordinator only
/// through ``FocusHost``.
final class FocusControl {
    let config: StreamServerConfig
    let router: FocusRouter
    let sessions: ServerSessions
    let jobs: RequestJobs
    let directory: AssetDirectory
    /// The coordinator, which owns this part and outlives it.
    unowned(unsafe) let host: any FocusHost

    init(
        host: any FocusHost, config: StreamServerConfig, router: FocusRouter, sessions: ServerSessions,
        jobs: RequestJobs,
        directory: AssetDirectory
    ) {
        self.host = host
        self.config = config
        self.router = router
        self.sessions = sessions
        self.jobs = jobs
        self.directory = directory
    }

    /// The asset the focus streams now, if known.
    var focusAsset: AssetID? { router.focusAsset(detected: host.detected) }

    /// The focus's name for replies: the asset, the pending spelling, or nil.
    var focusName: String? {
        if case .pending(let name) = router.focus { return name }
        return focusAsset.map { router.assetName($0, directory: directory) }
    }

    /// Sets the focus. When its asset changes, every listener but `requester` gets
    /// `asset_changed`; every listener, `requester` included, gets its history (one shared job).
    /// The requester's own reply is the caller's (it must listen already: `focus = .requested`).
    func setFocus(_ focus: ServerFocus, requester: ClientSession?) {
        let before = focusName
        router.focus = focus
        focusChanged(before: before, requester: requester)
    }

    /// Announces the focus after a change from the one named `before`.
    private func focusChanged(before: String?, requester: ClientSession?) {
        router.focusKey = focusAsset.map { SubscriptionKey(asset: $0.rawValue, seconds: Timeframe.oneMinute.seconds) }
        router.pendingCheckedCount = -1
        let name = focusName
        let moved = name != before
        router.refreshListeners(sessions.all)
        for s in router.listeners where s.socketConnected {
            if moved, s !== requester, let name {
                host.emit(s, "asset_changed", ServerPayloads.assetStamp(name), ack: nil)
            }
            if let a = focusAsset, moved || s === requester { jobs.scheduleHistory(s, asset: a, timeframe: .oneMinute) }
        }
    }

    /// `stop_stream`: releases the focus; every listener hears `stream_stopped`.
    func releaseFocus(requester: ClientSession, ack: Int?) {
        router.focus = .none
        router.focusKey = nil
        router.refreshListeners(sessions.all)
        for s in router.listeners where s.socketConnected && s !== requester {
            host.emit(s, "stream_stopped", ServerPayloads.stamp(), ack: nil)
        }
        host.emit(requester, "stream_stopped", ServerPayloads.stamp(), ack: ack)
    }

    /// A pending focus becomes its asset once the engine has seen one of that spelling (cheap
    /// when the directory has not grown since the last look).
    func resolvePendingFocus() {
        guard case .pending(let spelling) = router.focus else { return }
        let count = directory.count
        guard count != router.pendingCheckedCount else { return }
        router.pendingCheckedCount = count
        if let id = directory.lookup(spelling) { setFocus(.asset(id), requester: nil) }
    }

    /// The broker chart shows `a` (``detected`` is set already; `before` is the focus's name
    /// before that): a following focus moves with it (and with `--follow-chart`, any focus does).
    func chartMoved(to a: AssetID, before: String?) {
        switch router.focus {
        case .follow:
            focusChanged(before: before, requester: nil)
        case .asset(let current) where config.followChart && current != a:
            setFocus(.asset(a), requester: nil)
        case .pending where config.followChart:
            setFocus(.asset(a), requester: nil)
        default:
            break
        }
    }

    /// What a client that just set the focus should know: the source is not connected, the asset
    /// has not been seen, the chart has shown no asset, 1-minute candles are not formed. Nil: none.
    func focusNotice() -> String? {
        var parts: [String] = []
        if !host.status.connected {
            parts.append(
                host.status.kind == .chrome
                    ? "Chrome not connected: candles start when it attaches"
                    : "source \(host.status.kind.rawValue) not connected: candles start when it is")
        }
        switch router.focus {
        case .pending(let name):
            parts.append("\(name) has not been seen yet: history and candles follow when its data arrives")
        case .follow where host.detected == nil: parts.append("the broker chart has not shown an asset yet")
        default: break
        }
        if let formed = config.formedTimeframes, !formed.contains(.oneMinute) {
            parts.append(
                "1m candles are not formed by this server (formed: \(formed.map(\.description).joined(separator: ", ")))"
            )
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
