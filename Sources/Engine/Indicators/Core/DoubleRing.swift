/// A bounded ring of the most recent values of a series (oldest first).
///
/// Appending to a full ring drops the oldest value. Storage grows with the values appended, up to
/// `capacity`, and never again after that: a ring of period 100,000 fed 500 candles holds 500
/// values, not 100,000 (an indicator whose period is longer than its series costs what the series
/// does). While it grows, appends reallocate O(log capacity) times in all.
package struct DoubleRing: Sendable {
    private var storage: [Double] = []
    private var head = 0
    /// The most values the ring keeps.
    package let capacity: Int
    /// Number of values held (at most `capacity`).
    package private(set) var count = 0

    /// Creates an empty ring that keeps at most `capacity` values (0 is allowed and keeps none).
    package init(capacity: Int) {
        self.capacity = Swift.max(capacity, 0)
    }

    /// Whether the ring holds `capacity` values.
    package var isFull: Bool { count == capacity }

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
        if count < capacity {
            // Not full yet: head is 0 and the values fill storage in order.
            storage.append(x)
            count += 1
        } else if capacity > 0 {
            storage[head] = x
            head += 1
            if head == capacity { head = 0 }
        }
    }
}
