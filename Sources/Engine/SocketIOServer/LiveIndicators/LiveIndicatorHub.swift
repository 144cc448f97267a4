import Indicators
import Synchronization

/// Every live indicator computation of the server and which client holds which (network thread
/// only). One computation per asset × timeframe × spec set, shared by all clients that asked for
/// that set; it is dropped when its last client leaves. Disconnected clients are found lazily –
/// while sending, and by ``sweep(isAlive:)`` before each new subscription – so closing a session
/// needs no hook here.
final class LiveIndicatorHub {
    let limits: LiveIndicatorLimits
    /// The computations of each pair (route() looks them up per candle update).
    private(set) var byPair: [SubscriptionKey: [LiveIndicatorStream]] = [:]
    /// Number of computations in ``byPair``.
    private(set) var computations = 0
    /// Computations by the peer address that started them.
    private(set) var computationsByAddress: [String: Int] = [:]
    /// What each client holds, by session id.
    private(set) var clients: [UInt64: LiveIndicatorClient] = [:]
    /// A stream met a dead subscriber while sending: prune after the batch.
    var needsPrune = false

    init(limits: LiveIndicatorLimits) { self.limits = limits }

    /// No computation at all (route() returns at once).
    var isEmpty: Bool { computations == 0 }

    /// The record of a client, created on first use.
    func client(_ id: UInt64) -> LiveIndicatorClient {
        if let c = clients[id] { return c }
        let c = LiveIndicatorClient()
        clients[id] = c
        return c
    }

    /// Why no new computation can start.
    enum Refusal: Error {
        /// The server runs ``LiveIndicatorLimits/maxComputations``.
        case serverFull
        /// Clients of this address started ``LiveIndicatorLimits/maxComputationsPerAddress``.
        case addressShare
    }

    /// The existing computation of `specs` on `pair`, else a new one started for a client of
    /// `address`; refused when the server already runs ``LiveIndicatorLimits/maxComputations``,
    /// or clients of `address` started their share of them (not counting `releasing`, a
    /// computation that only the asking client holds and is about to leave).
    func stream(
        pair: SubscriptionKey, specs: [IndicatorSpec], assetName: String, address: String,
        releasing: LiveIndicatorStream?
    ) -> Result<(stream: LiveIndicatorStream, created: Bool), Refusal> {
        if let existing = byPair[pair]?.first(where: { $0.specs == specs }) { return .success((existing, false)) }
        let freed = releasing.map { $0.subscribers.count <= 1 } ?? false
        guard computations - (freed ? 1 : 0) < limits.maxComputations else { return .failure(.serverFull) }
        let freedHere = freed && releasing?.creatorAddress == address
        guard computationsByAddress[address, default: 0] - (freedHere ? 1 : 0) < limits.maxComputationsPerAddress else {
            return .failure(.addressShare)
        }
        let s = LiveIndicatorStream(pair: pair, assetName: assetName, specs: specs, creatorAddress: address)
        byPair[pair, default: []].append(s)
        computations += 1
        computationsByAddress[address, default: 0] += 1
        return .success((s, true))
    }

    /// Gives `session` the computation `stream` on its pair, replacing what it held there.
    func attach(_ session: ClientSession, to stream: LiveIndicatorStream) {
        let record = client(session.id)
        if let old = record.pairs[stream.pair] {
            if old === stream { return }
            remove(session.id, from: old)
        }
        record.pairs[stream.pair] = stream
        stream.subscribers.append(session)
    }

    /// Drops the client's computations on the pairs `matching` selects.
    func detach(_ id: UInt64, where matching: (SubscriptionKey) -> Bool) {
        guard let record = clients[id] else { return }
        for (pair, stream) in record.pairs where matching(pair) {
            record.pairs[pair] = nil
            remove(id, from: stream)
        }
        if record.pairs.isEmpty && record.pending.count == 0 { clients[id] = nil }
    }

    private func remove(_ id: UInt64, from stream: LiveIndicatorStream) {
        stream.subscribers.removeAll { $0.id == id }
        if stream.subscribers.isEmpty { drop(stream) }
    }

    private func drop(_ stream: LiveIndicatorStream) {
        guard var list = byPair[stream.pair], let i = list.firstIndex(where: { $0 === stream }) else { return }
        list.remove(at: i)
        byPair[stream.pair] = list.isEmpty ? nil : list
        computations -= 1
        if let n = computationsByAddress[stream.creatorAddress] {
            computationsByAddress[stream.creatorAddress] = n > 1 ? n - 1 : nil
        }
    }

    /// Forgets clients that are gone (closed, disconnected) and the computations only they held.
    func sweep(isAlive: (UInt64) -> Bool) {
        for id in Array(clients.keys) where !isAlive(id) { detach(id) { _ in true } }
        prune(isAlive: isAlive)
    }

    /// Removes dead subscribers from the streams that met one while sending.
    func prune(isAlive: (UInt64) -> Bool) {
        needsPrune = false
        for list in byPair.values {
            for stream in list where stream.hasDeadSubscribers {
                stream.hasDeadSubscribers = false
                for s in stream.subscribers where !isAlive(s.id) { detach(s.id) { _ in true } }
            }
        }
    }
}

/// One client's live indicators.
final class LiveIndicatorClient {
    /// Its computation on each pair.
    var pairs: [SubscriptionKey: LiveIndicatorStream] = [:]
    /// History requests of this client queued on the worker.
    let pending = LiveIndicatorPending()

    /// Indicators held over all pairs (counted against ``LiveIndicatorLimits/maxIndicatorsPerClient``).
    var indicatorCount: Int { pairs.values.reduce(0) { $0 + $1.specs.count } }
}

/// A count shared with the worker queue.
final class LiveIndicatorPending: Sendable {
    private let value = Atomic<Int>(0)
    /// Requests queued now.
    var count: Int { value.load(ordering: .relaxed) }
    func add() { value.add(1, ordering: .relaxed) }
    func done() { value.subtract(1, ordering: .relaxed) }
}
