/// A fixed-capacity ring of the most recent values of a series (oldest first).
///
/// Appending to a full ring drops the oldest value. Storage is allocated once, at creation.
package struct DoubleRing: Sendable {
    private var storage: [Double]
    private var head = 0
    /// Number of values held (at most `capacity`).
    package private(set) var count = 0

    /// Creates an empty ring that keeps at most `capacity` values (0 is allowed and keeps none).
    package init(capacity: Int) {
        storage = [Double](repeating: 0, count: Swift.max(capacity, 0))
    }

    /// The most values the ring keeps.
    package var capacity: Int { storage.count }

    /// Whether the ring holds `capacity` values.
    package var isFull: Bool { count == storage.count }

    /// The oldest value held (undefined when empty).
    @inline(__always)
    package var oldest: Double { storage[head] }

    /// The value `back` steps before the newest (0 = newest). `back` must be < `count`.
    @inline(__always)
    package func value(back: Int) -> Double {
        var i = head + count - 1 - back
        if i >= storage.count { i -= storage.count }
        if i < 0 { i += storage.count }
        return storage[i]
    }

    /// Appends a value, dropping the oldest when full.
    @inline(__always)
    package mutating func append(_ x: Double) {
        guard !storage.isEmpty else { return }
        if count < storage.count {
            var i = head + count
            if i >= storage.count { i -= storage.count }
            storage[i] = x
            count += 1
        } else {
            storage[head] = x
            head += 1
            if head == storage.count { head = 0 }
        }
    }
}
