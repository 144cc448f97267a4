/// How a ``RedisPublisher`` runs (`--publish`, `--redis-maxlen`, `--redis-backlog`).
package struct RedisPublisherConfiguration: Sendable, Equatable {
    /// The server.
    package var address: RedisAddress
    /// `XADD … MAXLEN ~ N`: entries kept per stream, approximately (0: no trimming).
    package var maxLength = RedisStreamLayout.defaultMaxLength
    /// Records (ticks + candles) held in memory while Redis is unreachable; past it the oldest are
    /// dropped and counted. 1,000,000 records ≈ 80 MB, ~35 min of a busy Chrome session.
    package var maxBacklog = RedisPublisher.defaultMaxBacklog
    /// Engine → publisher ring capacity (records).
    package var ringCapacity = 1 << 16
    /// Commands per pipelined round trip.
    package var batchSize = 1024
    /// At the end of input, how long to keep trying to deliver what is waiting (seconds).
    package var finishTimeout = 5.0
    /// Longest pause between reconnect attempts (seconds; they start at 0.1 s and double).
    package var maxReconnectDelay = 2.0

    /// A configuration with the defaults.
    package init(address: RedisAddress) { self.address = address }
}
