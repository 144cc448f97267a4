import FastDecode

/// A signal or its result for Socket.IO clients, built on the engine thread from the screener's
/// event (one per signal, not per candle) and handed to the network thread through the inbox.
package struct SignalDelivery: Sendable {
    /// The signal's asset (the screener's name for it).
    package var asset: String
    /// Timeframe in seconds.
    package var timeframe: Int
    /// The strategy's label (`quantum_flux`, `rules:FILE`).
    package var strategy: String
    /// `signal_result` (true) or `signal`.
    package var isResult: Bool
    /// The event's JSON payload.
    package var payload: [UInt8]

    /// A delivery.
    package init(asset: String, timeframe: Int, strategy: String, isResult: Bool, payload: [UInt8]) {
        self.asset = asset
        self.timeframe = timeframe
        self.strategy = strategy
        self.isResult = isResult
        self.payload = payload
    }
}

/// A strategy the server's screener runs (`--signals`): its label and timeframe (nil: every
/// formed timeframe). Subscriptions must name one of them.
package struct ScreenedSignalSpec: Sendable, Equatable {
    /// The label (`quantum_flux`, `rules:FILE`).
    package var strategy: String
    /// Timeframe in seconds, nil for every timeframe.
    package var timeframe: Int?

    /// A screened spec.
    package init(strategy: String, timeframe: Int?) {
        self.strategy = strategy
        self.timeframe = timeframe
    }
}

/// Who receives which signals (network thread only). The screener evaluates each (asset,
/// timeframe, strategy) once; its events are fanned out here to every matching subscription,
/// through the clients' normal outbound queues. A subscription to a strategy the screener does
/// not run starts an on-demand evaluation through ``control`` (one per strategy × timeframe,
/// shared by every subscription to it) and stops it when the last one is gone.
final class SignalSubscriptions {
    /// Subscriptions one client may hold.
    static let maxPerClient = 8
    /// Subscriptions the server holds over all clients.
    static let maxTotal = 4096
    /// Assets one subscription may list.
    static let maxAssets = 64

    /// One subscription: assets by loose name (nil: every asset), timeframe, strategy label.
    struct Subscription: Equatable {
        var assets: Set<String>?
        var timeframe: Int
        var strategy: String

        func matches(_ d: SignalDelivery, looseAsset: String) -> Bool {
            d.timeframe == timeframe && d.strategy == strategy && (assets?.contains(looseAsset) ?? true)
        }
    }

    /// An on-demand evaluation: a strategy on one timeframe, every asset.
    struct Evaluation: Hashable {
        var strategy: String
        var timeframe: Int
    }

    /// Why ``add(_:for:)`` did not add.
    enum Refusal: Error, Equatable {
        /// ``maxPerClient`` or ``maxTotal`` reached.
        case tooMany
        /// The on-demand evaluation could not start: the message of the client's `error`.
        case notStarted(String)
    }

    /// What the screener runs (empty without `--signals`).
    var screened: [ScreenedSignalSpec] = []
    /// Starts and stops on-demand evaluations; nil: only screened strategies are served.
    var control: (any SignalEvaluationControl)?
    /// The on-demand evaluations running, each with the number of subscriptions using it.
    private(set) var onDemand: [Evaluation: Int] = [:]
    private(set) var byClient: [UInt64: [Subscription]] = [:]
    private(set) var total = 0

    /// Whether the screener evaluates `strategy` on `timeframe`.
    func isScreened(strategy: String, timeframe: Int) -> Bool {
        screened.contains { $0.strategy == strategy && ($0.timeframe == nil || $0.timeframe == timeframe) }
    }

    /// The subscriptions of a client.
    func subscriptions(of id: UInt64) -> [Subscription] { byClient[id] ?? [] }

    /// Adds `sub` for client `id` (an equal one already held is kept once), starting its
    /// on-demand evaluation when the strategy is not screened and nobody uses it yet.
    func add(_ sub: Subscription, for id: UInt64) -> Result<Void, Refusal> {
        var list = byClient[id] ?? []
        if list.contains(sub) { return .success(()) }
        guard list.count < Self.maxPerClient, total < Self.maxTotal else { return .failure(.tooMany) }
        if !isScreened(strategy: sub.strategy, timeframe: sub.timeframe) {
            let key = Evaluation(strategy: sub.strategy, timeframe: sub.timeframe)
            if let users = onDemand[key] {
                onDemand[key] = users + 1
            } else {
                guard let control else { return .failure(.notStarted("no signal evaluation on this server")) }
                if let message = control.startEvaluation(strategy: sub.strategy, timeframe: sub.timeframe) {
                    return .failure(.notStarted(message))
                }
                onDemand[key] = 1
            }
        }
        list.append(sub)
        byClient[id] = list
        total += 1
        return .success(())
    }

    /// Drops the client's subscriptions `matching` selects (stopping on-demand evaluations
    /// nobody uses any more); how many are left.
    @discardableResult
    func remove(_ id: UInt64, where matching: (Subscription) -> Bool) -> Int {
        guard var list = byClient[id] else { return 0 }
        let before = list.count
        for sub in list where matching(sub) { release(sub) }
        list.removeAll(where: matching)
        total -= before - list.count
        byClient[id] = list.isEmpty ? nil : list
        return list.count
    }

    /// Forgets the subscriptions of clients `isAlive` rejects (they left).
    func forgetDeparted(isAlive: (UInt64) -> Bool) {
        for id in byClient.keys where !isAlive(id) { remove(id) { _ in true } }
    }

    private func release(_ sub: Subscription) {
        let key = Evaluation(strategy: sub.strategy, timeframe: sub.timeframe)
        guard let users = onDemand[key] else { return }
        if users > 1 {
            onDemand[key] = users - 1
        } else {
            onDemand[key] = nil
            control?.stopEvaluation(strategy: key.strategy, timeframe: key.timeframe)
        }
    }

    /// The clients a delivery goes to; clients `isAlive` rejects are forgotten.
    func recipients(of d: SignalDelivery, isAlive: (UInt64) -> Bool) -> [UInt64] {
        guard !byClient.isEmpty else { return [] }
        let loose = AssetDirectory.looseKey(d.asset)
        var out: [UInt64] = []
        for (id, list) in byClient {
            guard isAlive(id) else {
                remove(id) { _ in true }
                continue
            }
            if list.contains(where: { $0.matches(d, looseAsset: loose) }) { out.append(id) }
        }
        return out
    }
}
