import RedisBridge
import SocketIOServer
import Synchronization

extension PipelineDataSource {
    /// The `--publish` publisher's link (`get_redis_status`); atomics only.
    package func redisLink() -> RedisLinkStatus? {
        guard let publisher = pipeline.publisher else { return nil }
        let address = publisher.configuration.address
        return RedisLinkStatus(
            address: "\(address.host):\(address.port)",
            connected: publisher.counters.connected.load(ordering: .relaxed),
            backlog: publisher.waiting)
    }
}
