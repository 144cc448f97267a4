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
    var bytes: [UInt8]
    var key: CandleKey?
}

/// A client's bounded FIFO of outbound messages. `candle_update`s for the same candle coalesce:
/// a newer one replaces the queued one in place (the client gets only the newest).
struct OutboundQueue {
    enum PushResult: Equatable { case queued, coalesced, full }

    private var items: [OutFrame] = []
    private var head = 0
    private var base = 0  // sequence number of items[0]
    private var pending: [CandleKey: Int] = [:]  // key → sequence number of the queued update
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    /// Queues a message (or coalesces it); `.full` when the queue holds `limit` messages.
    /// `force` ignores the limit (protocol control messages).
    mutating func push(_ frame: OutFrame, force: Bool = false) -> PushResult {
        if let key = frame.key, let seq = pending[key], seq - base >= head {
            items[seq - base].bytes = frame.bytes
            return .coalesced
        }
        if count >= limit && !force { return .full }
        if let key = frame.key { pending[key] = base + items.count }
        items.append(frame)
        return .queued
    }

    /// Takes the oldest message.
    mutating func pop() -> OutFrame? {
        guard head < items.count else { return nil }
        let frame = items[head]
        if let key = frame.key, pending[key] == base + head { pending[key] = nil }
        items[head].bytes = []
        head += 1
        if head == items.count {
            base += head
            items.removeAll(keepingCapacity: items.capacity <= 4096)
            head = 0
        } else if head >= 256, head * 2 >= items.count {
            items.removeFirst(head)
            base += head
            head = 0
        }
        return frame
    }
}
