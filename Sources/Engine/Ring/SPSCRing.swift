import Synchronization
import ThreadSupport

/// A bounded lock-free ring for handing values from exactly one producer thread to exactly one
/// consumer thread (decode thread → engine thread, engine thread → network thread).
///
/// - Capacity is a power of two (the initializer rounds up).
/// - The producer *stages* elements with ``push(_:)`` and makes them visible with ``publish()``:
///   one release store per batch, not per element. ``tryPush(_:)`` does both for one element.
/// - The consumer takes a batch with ``popBatch(max:_:)`` and frees the slots with one store.
/// - Each side keeps a private copy of the other side's index and reloads the shared atomic only
///   when the copy says the ring is full (producer) or empty (consumer).
/// - The producer's and the consumer's indices live on separate cache lines.
///
/// Exactly one thread may call the producer methods (``push(_:)``, ``publish()``,
/// ``tryPush(_:)``, ``pushWaiting(_:until:)``) and exactly one thread the consumer methods
/// (``popBatch(max:_:)``, ``tryPop()``) at any time. ``count``, ``dropped`` and ``capacity`` may be
/// read from any thread.
///
/// Elements need not be trivial: they are moved in and out, and the ring's `deinit` destroys
/// whatever is still inside. The ring is `Sendable` when its elements are.
@usableFromInline package final class SPSCRing<Element> {
    /// The producer's cache line: the published tail plus producer-private state.
    @usableFromInline
    struct ProducerSide: ~Copyable {
        /// Elements `[head, tail)` are visible to the consumer.
        @usableFromInline let tail: Atomic<Int>
        /// Pushes refused because the ring was full (written by the producer only).
        @usableFromInline let dropped: Atomic<Int>
        /// Next slot the producer writes; `staged - tail` elements are not yet published.
        @usableFromInline var staged: Int
        /// The producer's last view of the consumer's head.
        @usableFromInline var cachedHead: Int

        @usableFromInline init() {
            tail = Atomic(0); dropped = Atomic(0); staged = 0; cachedHead = 0
        }
    }

    /// The consumer's cache line: the published head plus consumer-private state.
    @usableFromInline
    struct ConsumerSide: ~Copyable {
        /// Slots before `head` are free for the producer.
        @usableFromInline let head: Atomic<Int>
        /// The consumer's last view of the producer's tail.
        @usableFromInline var cachedTail: Int

        @usableFromInline init() { head = Atomic(0); cachedTail = 0 }
    }

    /// Bytes between the two sides (two cache lines, to defeat adjacent-line prefetch too).
    @usableFromInline static var lineStride: Int { 128 }

    /// Element storage, `capacity` slots, allocated once.
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    /// `capacity - 1`.
    @usableFromInline let mask: Int
    /// One block holding both sides, each on its own cache-line pair.
    @usableFromInline let sides: UnsafeMutableRawPointer
    @usableFromInline let producer: UnsafeMutablePointer<ProducerSide>
    @usableFromInline let consumer: UnsafeMutablePointer<ConsumerSide>

    /// Number of slots (a power of two).
    @usableFromInline package let capacity: Int

    /// Creates a ring with at least `capacity` slots (rounded up to a power of two, minimum 2).
    @usableFromInline package init(capacity: Int) {
        precondition(capacity > 0 && capacity <= 1 << 40, "SPSCRing capacity out of range")
        var c = 2
        while c < capacity { c <<= 1 }
        self.capacity = c
        self.mask = c - 1
        self.storage = .allocate(capacity: c)
        let stride = Self.lineStride
        self.sides = .allocate(byteCount: 3 * stride, alignment: stride)
        // [pad line | producer | consumer]: nothing else shares the two sides' lines.
        self.producer = (sides + stride).bindMemory(to: ProducerSide.self, capacity: 1)
        self.consumer = (sides + 2 * stride).bindMemory(to: ConsumerSide.self, capacity: 1)
        producer.initialize(to: ProducerSide())
        consumer.initialize(to: ConsumerSide())
    }

    deinit {
        // No other thread may use the ring now: destroy staged and published elements alike.
        let head = consumer.pointee.head.load(ordering: .acquiring)
        let end = producer.pointee.staged
        var i = head
        while i != end {
            (storage + (i & mask)).deinitialize(count: 1)
            i &+= 1
        }
        producer.deinitialize(count: 1)
        consumer.deinitialize(count: 1)
        sides.deallocate()
        storage.deallocate()
    }

    // MARK: - Metrics (any thread)

    /// Published elements waiting for the consumer. Approximate when read while the ring is in
    /// use (for metrics: "ring fill"); exact when both sides are idle.
    @usableFromInline package var count: Int {
        let head = consumer.pointee.head.load(ordering: .relaxed)
        let tail = producer.pointee.tail.load(ordering: .relaxed)
        return min(max(tail &- head, 0), capacity)
    }

    /// Elements refused by ``push(_:)`` / ``tryPush(_:)`` because the ring was full.
    @usableFromInline package var dropped: Int { producer.pointee.dropped.load(ordering: .relaxed) }

    // MARK: - Producer

    /// Staged elements not yet visible to the consumer (producer thread only).
    @inlinable
    package var stagedCount: Int {
        producer.pointee.staged &- producer.pointee.tail.load(ordering: .relaxed)
    }

    /// Writes `element` into the next slot without publishing it. Returns `false` (and counts a
    /// drop) when the ring is full; staged elements count as occupying slots, so call
    /// ``publish()`` at least once per `capacity` pushes. Producer thread only.
    @inlinable
    @discardableResult
    package func push(_ element: consuming Element) -> Bool {
        guard stage(element) else {
            let d = producer.pointee.dropped.load(ordering: .relaxed)
            producer.pointee.dropped.store(d &+ 1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Makes every staged element visible to the consumer (one release store). Producer thread
    /// only.
    @inlinable
    package func publish() {
        producer.pointee.tail.store(producer.pointee.staged, ordering: .releasing)
    }

    /// Pushes and publishes one element. Returns `false` (and counts a drop) when full.
    /// Live feeds use this: a full ring means the consumer fell behind and the tick is dropped.
    @inlinable
    @discardableResult
    package func tryPush(_ element: consuming Element) -> Bool {
        guard push(element) else { return false }
        publish()
        return true
    }

    /// Pushes one element, waiting while the ring is full (replay: never drop). Publishes what
    /// was staged before it waits, and publishes `element` before returning. Waits by spinning,
    /// then yielding, then sleeping briefly (see ``SpinBackoff``). Returns `false` without pushing
    /// if `cancelled()` becomes true while waiting. Producer thread only.
    @inlinable
    @discardableResult
    package func pushWaiting(_ element: consuming Element, until cancelled: () -> Bool = { false }) -> Bool {
        if !hasRoom() {
            publish()
            var backoff = SpinBackoff()
            while !hasRoom() {
                if cancelled() { return false }
                backoff.wait()
            }
        }
        let ok = stage(element)
        assert(ok)
        publish()
        return true
    }

    /// Stages one element, waiting while the ring is full (publishing what was staged before it
    /// waits, so the consumer can make room), without publishing it: the producer publishes a
    /// batch with ``publish()``. Returns `false` without staging if `cancelled()` becomes true
    /// while waiting. Producer thread only.
    @inlinable
    package func stageWaiting(_ element: consuming Element, until cancelled: () -> Bool = { false }) -> Bool {
        if !hasRoom() {
            publish()
            var backoff = SpinBackoff()
            while !hasRoom() {
                if cancelled() { return false }
                backoff.wait()
            }
        }
        let ok = stage(element)
        assert(ok)
        return true
    }

    /// True when a slot is free for the producer; refreshes the cached head only when needed.
    @inlinable
    func hasRoom() -> Bool {
        let staged = producer.pointee.staged
        if staged &- producer.pointee.cachedHead < capacity { return true }
        producer.pointee.cachedHead = consumer.pointee.head.load(ordering: .acquiring)
        return staged &- producer.pointee.cachedHead < capacity
    }

    /// Writes `element` into the next slot without publishing it; `false` when the ring is full
    /// (nothing is counted: the caller decides what a full ring means). Producer thread only.
    @inlinable
    package func stage(_ element: consuming Element) -> Bool {
        guard hasRoom() else { return false }
        let staged = producer.pointee.staged
        (storage + (staged & mask)).initialize(to: element)
        producer.pointee.staged = staged &+ 1
        return true
    }

    // MARK: - Consumer

    /// Takes up to `max` published elements in order, handing each to `body`, then frees their
    /// slots with one release store. Returns how many were taken. Consumer thread only.
    @inlinable
    @discardableResult
    package func popBatch(max: Int, _ body: (Element) throws -> Void) rethrows -> Int {
        let head = consumer.pointee.head.load(ordering: .relaxed)
        var available = consumer.pointee.cachedTail &- head
        if available < max {
            // The cached view may be stale: look again (one acquire load per batch).
            consumer.pointee.cachedTail = producer.pointee.tail.load(ordering: .acquiring)
            available = consumer.pointee.cachedTail &- head
            if available <= 0 { return 0 }
        }
        let n = Swift.min(available, max)
        var i = head
        let end = head &+ n
        // Free the slots taken so far even if `body` throws.
        defer { consumer.pointee.head.store(i, ordering: .releasing) }
        while i != end {
            let element = (storage + (i & mask)).move()
            i &+= 1
            try body(element)
        }
        return n
    }

    /// Takes published elements in order, handing each to `body`, until `body` returns `false`
    /// (that element is taken too), `max` were taken or none is visible; frees their slots with
    /// one release store. Returns how many were taken and whether `body` asked to stop. Consumer
    /// thread only.
    @inlinable
    package func popWhile(max: Int, _ body: (Element) throws -> Bool) rethrows -> (taken: Int, stopped: Bool) {
        let head = consumer.pointee.head.load(ordering: .relaxed)
        var available = consumer.pointee.cachedTail &- head
        if available < max {
            consumer.pointee.cachedTail = producer.pointee.tail.load(ordering: .acquiring)
            available = consumer.pointee.cachedTail &- head
            if available <= 0 { return (0, false) }
        }
        let end = head &+ Swift.min(available, max)
        var i = head
        defer { consumer.pointee.head.store(i, ordering: .releasing) }
        while i != end {
            let element = (storage + (i & mask)).move()
            i &+= 1
            if try !body(element) { return (i &- head, true) }
        }
        return (i &- head, false)
    }

    /// Takes one published element, or `nil` when none is visible. Consumer thread only.
    @inlinable
    package func tryPop() -> Element? {
        let head = consumer.pointee.head.load(ordering: .relaxed)
        if consumer.pointee.cachedTail &- head <= 0 {
            consumer.pointee.cachedTail = producer.pointee.tail.load(ordering: .acquiring)
            if consumer.pointee.cachedTail &- head <= 0 { return nil }
        }
        let element = (storage + (head & mask)).move()
        consumer.pointee.head.store(head &+ 1, ordering: .releasing)
        return element
    }
}

// `@unchecked Sendable` because the ring owns raw memory (the slots and the two index blocks,
// allocated in init, freed in deinit) the compiler cannot see into: elements cross threads
// through the slots, ordered by the acquire/release indices. One producer and one consumer by
// contract: the producer side belongs to a type that cannot leave its thread (a non-Sendable
// producer, a ThreadBound or an OwnerThreadCheck), the consumer side to its one loop.
extension SPSCRing: @unchecked Sendable where Element: Sendable {}
