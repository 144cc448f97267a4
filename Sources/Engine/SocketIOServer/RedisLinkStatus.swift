/// A node's Redis publisher as `get_redis_status` reports it (``StreamServerDataSource/redisLink()``).
package struct RedisLinkStatus: Sendable, Equatable {
    /// `host:port` (never credentials).
    package var address: String
    /// Whether the publisher's connection is up now.
    package var connected: Bool
    /// Records waiting for Redis.
    package var backlog: Int

    /// A status.
    package init(address: String, connected: Bool, backlog: Int) {
        self.address = address
        self.connected = connected
        self.backlog = backlog
    }
}

extension StreamServerDataSource {
    /// No Redis publisher.
    package func redisLink() -> RedisLinkStatus? { nil }
}
