import Synchronization

/// Counters of the Chrome source, written by its thread and readable from any thread.
final class ChromeStatistics: Sendable {
    let messages = Atomic<Int>(0)
    let bytes = Atomic<Int>(0)
    let largestMessage = Atomic<Int>(0)
    let oversize = Atomic<Int>(0)
    let attaches = Atomic<Int>(0)
    let detaches = Atomic<Int>(0)
    let polls = Atomic<Int>(0)
    let connected = Atomic<Bool>(false)

    var snapshot: ChromeSourceStats {
        ChromeSourceStats(
            connected: connected.load(ordering: .acquiring),
            messages: messages.load(ordering: .relaxed), bytes: bytes.load(ordering: .relaxed),
            largestMessage: largestMessage.load(ordering: .relaxed), oversize: oversize.load(ordering: .relaxed),
            attaches: attaches.load(ordering: .relaxed), detaches: detaches.load(ordering: .relaxed),
            polls: polls.load(ordering: .relaxed))
    }
}

/// What the Chrome source has done so far.
package struct ChromeSourceStats: Sendable, Equatable {
    /// Attached to a page now (Network events flowing).
    package var connected: Bool
    /// DevTools messages received (events and answers).
    package var messages: Int
    /// Their bytes.
    package var bytes: Int
    /// The largest message, in bytes.
    package var largestMessage: Int
    /// Messages dropped for exceeding the size limit.
    package var oversize: Int
    /// Times a page was attached.
    package var attaches: Int
    /// Times an attached page was lost (Chrome gone, tab closed, connection cut).
    package var detaches: Int
    /// `/json/list` requests made.
    package var polls: Int
}
