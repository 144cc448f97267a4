import Foundation
import Synchronization
import ThreadSupport

/// Sessions and their transport state (network thread, owned by ``ServerCore``): the session
/// table (by id and by Engine.IO `sid`), the id counter that also names connections and HTTP
/// requests, WebSockets upgrading a long-polling session, connections not read while their output
/// is held, the outbound queues' admission (``push(_:_:key:force:)``) and the writes deferred while
/// a drained batch is routed. Holds connections as opaque handles only: the libwebsockets calls on
/// them are `Network/`'s.
final class ServerSessions {
    let config: StreamServerConfig
    let counters: ServerCounters
    private var byID: [UInt64: ClientSession] = [:]
    /// Sessions by their Engine.IO `sid` (long-polling requests and upgrades name them so).
    private var bySID: [String: UInt64] = [:]
    private var nextID: UInt64 = 1
    /// WebSockets between their handshake and `LWS_CALLBACK_ESTABLISHED` that upgrade a
    /// long-polling session: connection → session id.
    var pendingUpgrades: [OpaquePointer: UInt64] = [:]
    /// Connections not read while libwebsockets holds output for them
    /// (``ServerCore/holdReadsWhileOutputBuffered(_:)``).
    var readsHeld: Set<OpaquePointer> = []
    /// While routing a drained batch: sessions that were given messages, written once routing is
    /// done (``ServerCore/flushRouted()``) instead of through a writeable callback each.
    private var routedWrites: [ClientSession] = []
    /// A drained batch is being routed: WebSocket writes wait for ``drainRoutedWrites(_:)``.
    var deferringWrites = false

    init(config: StreamServerConfig, counters: ServerCounters) {
        self.config = config
        self.counters = counters
    }

    /// A new id: sessions, connection keys and HTTP requests share one counter (never 0).
    func makeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Opens a session with a fresh id and `sid` (counted; a long-polling one gets its first ping
    /// deadline). Queues nothing: the caller sends the open packet.
    func open(transport: ClientSession.Transport, address: String) -> ClientSession {
        let id = makeID()
        var sid = Self.makeSID()
        while bySID[sid] != nil { sid = Self.makeSID() }
        let s = ClientSession(
            id: id, transport: transport, sid: sid, address: address,
            maxMessageBytes: config.maxInboundMessageBytes,
            queueLimit: config.clientQueueLimit, byteBudget: config.clientByteBudget)
        byID[id] = s
        bySID[sid] = id
        counters.clients.store(byID.count, ordering: .relaxed)
        counters.add(counters.connectionsTotal)
        if case .polling = transport {
            counters.pollingSessions.wrappingAdd(1, ordering: .relaxed)
            counters.add(counters.pollingSessionsTotal)
            s.pingDue = monotonicNanos() + UInt64(config.pingInterval * 1e9)
        }
        return s
    }

    /// Forgets `s`; false when it is not (or no longer) the session under its id.
    @discardableResult
    func remove(_ s: ClientSession) -> Bool {
        guard byID[s.id] === s else { return false }
        byID[s.id] = nil
        bySID[s.sid] = nil
        if s.isPolling { counters.pollingSessions.wrappingSubtract(1, ordering: .relaxed) }
        counters.clients.store(byID.count, ordering: .relaxed)
        return true
    }

    subscript(id: UInt64) -> ClientSession? { byID[id] }

    /// The session named by an Engine.IO `sid`.
    func session(sid: String) -> ClientSession? {
        bySID[sid].flatMap { byID[$0] }
    }

    var count: Int { byID.count }
    var isEmpty: Bool { byID.isEmpty }
    /// Every open session (no order).
    var all: Dictionary<UInt64, ClientSession>.Values { byID.values }

    /// Sessions that have not authenticated (handshakes awaiting their connect included).
    var unauthenticatedCount: Int { byID.values.lazy.filter { !$0.authenticated }.count }

    /// Whether a WebSocket is between its handshake and `ESTABLISHED` to upgrade session `id`.
    func isUpgrading(_ id: UInt64) -> Bool { pendingUpgrades.values.contains(id) }

    static func makeSID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    // MARK: outbound queues

    /// What became of a message offered to a session's queue.
    enum PushOutcome: Equatable {
        /// Queued, coalesced, or dropped at a full queue within the grace: ask for a write.
        case write
        /// The queue would pass the byte budget: cut the client now.
        case overBudget
        /// The queue has stayed full longer than ``StreamServerConfig/slowClientGrace``: cut it.
        case slow
    }

    /// Queues a message for `s` (counted: coalesced, dropped, the deepest queue). Every message,
    /// forced (protocol control) or not, counts toward the client's byte budget. A forced
    /// Engine.IO pong (`3…`) replaces a pong still queued; a `candle_update` (`key`) replaces the
    /// queued update of the same candle.
    func push(_ s: ClientSession, _ bytes: [UInt8], key: CandleKey?, force: Bool) -> PushOutcome {
        let frame: OutFrame
        if let key {
            frame = OutFrame(bytes: bytes, coalescing: .candle(key))
        } else if force, bytes.first == UInt8(ascii: "3") {
            frame = OutFrame(bytes: bytes, coalescing: .pong)  // only the newest pong matters
        } else {
            frame = OutFrame(bytes: bytes, coalescing: .none)
        }
        switch s.queue.push(frame, force: force) {
        case .coalesced:
            counters.add(counters.coalesced)
            noteQueueBytes(s)
        case .queued:
            let depth = s.queue.count
            if depth > counters.maxQueueDepth.load(ordering: .relaxed) {
                counters.maxQueueDepth.store(depth, ordering: .relaxed)
            }
            noteQueueBytes(s)
        case .overBudget:
            counters.add(counters.budgetDisconnects)
            return .overBudget
        case .full:
            counters.add(counters.drops)
            let now = monotonicNanos()
            if let since = s.overLimitSince {
                if Double(now - since) / 1e9 >= config.slowClientGrace {
                    counters.add(counters.slowDisconnects)
                    return .slow
                }
            } else {
                s.overLimitSince = now
            }
        }
        return .write
    }

    private func noteQueueBytes(_ s: ClientSession) {
        let b = s.queue.bytes
        if b > counters.maxQueueBytes.load(ordering: .relaxed) { counters.maxQueueBytes.store(b, ordering: .relaxed) }
    }

    /// While a batch is routed: keeps a WebSocket session's write for after the routing (once,
    /// however many messages it is given); false when the write should be asked for now. A
    /// session already waiting for that write needs no writeable callback besides: asking for one
    /// cost a `poll` pass and a callback with nothing left to send for every client whenever a
    /// drained batch held two updates or more (as it does when the publisher gets ahead).
    func deferWrite(_ s: ClientSession) -> Bool {
        guard deferringWrites, case .websocket = s.transport else { return false }
        if s.writeRouted { return true }
        s.writeRouted = true
        routedWrites.append(s)
        return true
    }

    /// Hands over the sessions whose writes were deferred, in the order they were routed, and
    /// forgets them.
    func drainRoutedWrites(_ body: (ClientSession) -> Void) {
        for s in routedWrites {
            s.writeRouted = false
            body(s)
        }
        routedWrites.removeAll(keepingCapacity: true)
    }
}
