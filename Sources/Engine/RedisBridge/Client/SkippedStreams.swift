import Logging

/// Streams a reader skips because Redis answered a command about them with an error reply that
/// concerns that key alone (``RedisError/concernsKey``: e.g. `WRONGTYPE` after `SET
/// qflux:ticks:X x`). One bad key must not stop the others: it is left out of the reads, counted,
/// logged once when it is first skipped (and once when it is readable again), and tried again
/// every ``retryInterval`` seconds – not on every poll.
///
/// Used on one thread (the Redis source's or the archiver's).
package struct SkippedStreams {
    /// Seconds between two tries of a skipped stream.
    package let retryInterval: Double
    /// Error replies concerning one stream so far (each try of a skipped stream that fails again
    /// counts: at most one per stream and ``retryInterval``).
    package private(set) var errors = 0
    /// Skipped stream key → monotonic time of its next try.
    private var retryAt: [String: Double] = [:]

    /// An empty set.
    package init(retryInterval: Double) { self.retryInterval = retryInterval }

    /// Streams skipped now.
    package var count: Int { retryAt.count }

    /// Whether `key` is skipped now.
    package func contains(_ key: String) -> Bool { retryAt[key] != nil }

    /// Whether `key` is skipped and its next try has not come yet.
    package func isWaiting(_ key: String, now: Double) -> Bool {
        guard let at = retryAt[key] else { return false }
        return now < at
    }

    /// Records that Redis refused a command about `key` with `error`; logs the first time.
    package mutating func skip(_ key: String, _ error: RedisError, now: Double, logger: Logger) {
        errors += 1
        if retryAt[key] == nil {
            logger.warning(
                "Redis refused a command about \(key); skipping that stream, the others go on (tried again every \(retryText) s)",
                metadata: ["error": "\(error.message)"])
        }
        retryAt[key] = now + retryInterval
    }

    /// `30`, `0.5`.
    private var retryText: String {
        retryInterval == retryInterval.rounded() && retryInterval < 1e9
            ? String(Int(retryInterval)) : String(retryInterval)
    }

    /// Records an error reply about `key`, a key read once and not followed (a candle stream read
    /// for history): counted and logged, nothing to try again.
    package mutating func refused(_ key: String, _ error: RedisError, logger: Logger) {
        errors += 1
        logger.warning(
            "Redis refused a command about \(key); going on without it", metadata: ["error": "\(error.message)"])
    }

    /// Records that `key` was read again without an error; logs when it had been skipped.
    package mutating func readable(_ key: String, logger: Logger) {
        if retryAt.removeValue(forKey: key) != nil {
            logger.notice("\(key) is readable again; following it")
        }
    }
}
