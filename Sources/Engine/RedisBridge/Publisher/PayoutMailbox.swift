import FastDecode
import Synchronization
import ThreadSupport

/// Payout lists on their way from the engine thread to the publisher thread, beside the tick
/// ring: they come a few times a minute, so a lock is fine here (never taken per tick), and the
/// ring's records stay plain values. Bounded: past ``capacity`` lists waiting (Redis unreachable
/// for a long time), the oldest goes and is counted.
final class PayoutMailbox: Sendable {
    /// One list as the engine recorded it (assets as IDs: the publisher thread names them).
    struct List: Sendable {
        /// Broker time the list is in force from.
        var time: Double
        /// The rows.
        var payouts: [AssetPayout]
    }

    /// Lists kept while they wait.
    static let capacity = 64

    private let lists = Locked<[List]>([])
    private let pending = Atomic<Bool>(false)

    /// Queues a list; returns whether an older one had to go (engine thread).
    func put(_ list: List) -> Bool {
        let droppedOldest = lists.withLock { l -> Bool in
            let full = l.count >= Self.capacity
            if full { l.removeFirst() }
            l.append(list)
            return full
        }
        pending.store(true, ordering: .releasing)
        return droppedOldest
    }

    /// Whether lists are waiting (a relaxed look, any thread).
    var hasLists: Bool { pending.load(ordering: .acquiring) }

    /// Takes every waiting list, oldest first (publisher thread).
    func takeAll() -> [List] {
        guard hasLists else { return [] }
        return lists.withLock { l in
            pending.store(false, ordering: .releasing)
            defer { l.removeAll() }
            return l
        }
    }
}
