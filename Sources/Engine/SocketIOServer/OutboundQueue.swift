/// Identifies one candle: a queued `candle_update` for the same key is replaced by a newer one.
struct CandleKey: Hashable {
    var asset: UInt32
    var seconds: Int32
    var start: Int64
}

/// What a client should receive: an asset at a timeframe.
struct SubscriptionKey: Hashable {
    var asset: UInt32
    var seconds: Int
}

/// One message waiting for a client.
struct OutFrame {
    /// How a newer message may replace this one while it waits.
    enum Coalescing: Equatable {
        /// Never replaced.
        case none
        /// A `candle_update`: replaced by a newer update of the same candle.
        case candle(CandleKey)
        /// An Engine.IO pong: only the newest one needs sending.
        case pong
    }

    var bytes: [UInt8]
    var coalescing: Coalescing

    init(bytes: [UInt8], key: CandleKey? = nil) {
        self.bytes = bytes
        coalescing = key.map { .candle($0) } ?? .none
    }

    init(bytes: [UInt8], coalescing: Coalescing) {
        self.bytes = bytes
        self.coalescing = coalescing
    }

    /// The candle key, for `.candle` frames.
    var key: CandleKey? {
        if case .candle(let k) = coalescing { return k }
        return nil
    }
}

/// A client's bounded FIFO of outbound messages, bounded twice: by count (``limit``: ordinary
/// messages past it are refused, `.full`) and by bytes (``byteBudget``: any message, protocol
/// control frames included, that would take the queued bytes past it is refused, `.overBudget` –
/// the server cuts that client). `candle_update`s for the same candle coalesce in place (the client
/// gets only the newest), and so do pongs.
///
/// Finding the queued update of a candle: a short queue (≤ ``scanLimit`` messages – nearly always,
/// it is pushed and popped once per update for every client) is scanned, which costs less than
/// hashing; a longer one keeps an index (key → sequence number) from the moment it grows past
/// the limit until it is empty again.
struct OutboundQueue {
    enum PushResult: Equatable { case queued, coalesced, full, overBudget }

    private var items: [OutFrame] = []
    private var head = 0
    private var base = 0  // sequence number of items[0]
    private var pending: [CandleKey: Int] = [:]  // key → sequence number of the queued update, while indexed
    private var indexed = false
    private var pendingPong: Int?  // sequence number of the queued pong
    /// Messages queued before ordinary ones are refused.
    let limit: Int
    /// Bytes queued at most (every message counts); 0 = no byte limit.
    let byteBudget: Int
    /// Bytes of the queued messages.
    private(set) var bytes = 0

    init(limit: Int, byteBudget: Int = 0) {
        self.limit = limit
        self.byteBudget = byteBudget
    }

    /// Queue lengths up to which a candle's queued update is found by scanning (no index).
    static let scanLimit = 16

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    private func overBudget(adding n: Int) -> Bool {
        byteBudget > 0 && bytes + n > byteBudget
    }

    /// Queues a message (or coalesces it): `.full` when `limit` messages are queued (`force`
    /// ignores that limit: protocol control messages), `.overBudget` when the queued bytes would
    /// pass the byte budget (forced or not). Refused messages are not queued.
    mutating func push(_ frame: OutFrame, force: Bool = false) -> PushResult {
        switch frame.coalescing {
        case .candle(let key):
            if indexed {
                if let seq = pending[key], seq - base >= head {
                    return replace(at: seq - base, with: frame.bytes)
                }
            } else {
                var j = items.count - 1
                while j >= head {
                    if case .candle(let k) = items[j].coalescing, k == key { return replace(at: j, with: frame.bytes) }
                    j -= 1
                }
            }
        case .pong:
            if let seq = pendingPong, seq - base >= head {
                return replace(at: seq - base, with: frame.bytes)
            }
        case .none:
            break
        }
        if count >= limit && !force { return .full }
        if overBudget(adding: frame.bytes.count) { return .overBudget }
        switch frame.coalescing {
        case .candle(let key): if indexed { pending[key] = base + items.count }
        case .pong: pendingPong = base + items.count
        case .none: break
        }
        bytes += frame.bytes.count
        items.append(frame)
        if !indexed && count > Self.scanLimit { buildIndex() }
        return .queued
    }

    /// Starts indexing the queued candle updates (the queue grew past ``scanLimit``).
    private mutating func buildIndex() {
        indexed = true
        for j in head..<items.count {
            if case .candle(let k) = items[j].coalescing { pending[k] = base + j }
        }
    }

    private mutating func replace(at index: Int, with newBytes: [UInt8]) -> PushResult {
        let delta = newBytes.count - items[index].bytes.count
        if delta > 0 && overBudget(adding: delta) { return .overBudget }
        bytes += delta
        items[index].bytes = newBytes
        return .coalesced
    }

    /// The byte sizes of the oldest messages, oldest first, at most `max` of them.
    func frontSizes(max: Int) -> some Sequence<Int> {
        items[head..<Swift.min(items.count, head + max)].lazy.map { $0.bytes.count }
    }

    /// Takes the oldest message.
    mutating func pop() -> OutFrame? {
        guard head < items.count else { return nil }
        let frame = items[head]
        switch frame.coalescing {
        case .candle(let key): if indexed, pending[key] == base + head { pending[key] = nil }
        case .pong: if pendingPong == base + head { pendingPong = nil }
        case .none: break
        }
        bytes -= frame.bytes.count
        items[head].bytes = []
        head += 1
        if head == items.count {
            base += head
            items.removeAll(keepingCapacity: items.capacity <= 4096)
            head = 0
            if indexed {
                indexed = false
                pending.removeAll(keepingCapacity: pending.capacity <= 4096)
            }
        } else if head >= 256, head * 2 >= items.count {
            items.removeFirst(head)
            base += head
            head = 0
        }
        return frame
    }
}
