/// The highest (or lowest) value over the last `period` values of a series, by a monotonic deque.
///
/// `push` is amortised O(1); `peek` answers "what would the extreme be if `x` were appended" without
/// changing anything, in O(1). The deque's storage grows with the values pushed, up to
/// `period + 1` entries: a window longer than the series costs what the series does.
package struct WindowExtreme: Sendable {
    /// Whether this tracks the maximum (`true`) or the minimum (`false`).
    package let isMax: Bool
    /// Window length in values.
    package let period: Int
    private var indices: [Int]
    private var values: [Double]
    private var head = 0
    private var count = 0
    /// Index the next pushed value gets (number of values pushed so far).
    package private(set) var nextIndex = 0

    /// Creates an empty tracker of the extreme over the last `period` values.
    package init(period: Int, isMax: Bool) {
        self.period = period
        self.isMax = isMax
        indices = [Int](repeating: 0, count: Swift.min(period + 1, Self.initialSlots))
        values = [Double](repeating: 0, count: indices.count)
    }

    /// Deque slots held before the first growth.
    private static let initialSlots = 8

    /// Doubles the deque's storage (at most `period + 1` slots), its entries moved to the front.
    @inline(never)
    private mutating func grow() {
        let size = Swift.min(period + 1, indices.count * 2)
        var newIndices = [Int](repeating: 0, count: size)
        var newValues = [Double](repeating: 0, count: size)
        for k in 0..<count {
            newIndices[k] = indices[slot(k)]
            newValues[k] = values[slot(k)]
        }
        indices = newIndices
        values = newValues
        head = 0
    }

    @inline(__always)
    private func slot(_ k: Int) -> Int {
        let i = head + k
        return i >= indices.count ? i - indices.count : i
    }

    @inline(__always)
    private func dominates(_ a: Double, _ b: Double) -> Bool { isMax ? a >= b : a <= b }

    /// The extreme over the window that would end with `x` as its newest value.
    package func peek(_ x: Double) -> Double {
        let lowest = nextIndex - period + 1
        var k = 0
        while k < count && indices[slot(k)] < lowest { k += 1 }
        guard k < count else { return x }
        let v = values[slot(k)]
        return dominates(x, v) ? x : v
    }

    /// Appends `x` and returns the extreme over the window ending with it.
    @discardableResult
    package mutating func push(_ x: Double) -> Double {
        while count > 0 {
            let last = slot(count - 1)
            if dominates(x, values[last]) { count -= 1 } else { break }
        }
        if count == indices.count { grow() }
        let s = slot(count)
        indices[s] = nextIndex
        values[s] = x
        count += 1
        let lowest = nextIndex - period + 1
        while indices[head] < lowest {
            head += 1
            if head == indices.count { head = 0 }
            count -= 1
        }
        nextIndex += 1
        return values[head]
    }
}
