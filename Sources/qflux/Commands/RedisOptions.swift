import ArgumentParser
import RedisBridge

/// `--publish redis://HOST:PORT[/DB]` and its tuning, shared by `stream` and `replay`.
struct PublishOptions: ParsableArguments {
    @Option(
        name: .customLong("publish"),
        help: ArgumentHelp(
            "Also publish every tick, closed candle and payout list to Redis Streams (docs/redis.md).",
            valueName: "redis://HOST:PORT[/DB]"))
    var publish: String?

    @Option(
        name: .customLong("redis-maxlen"),
        help: "Entries kept per Redis stream, approximately (XADD … MAXLEN ~ N; 0 keeps everything).")
    var maxLength: Int = RedisStreamLayout.defaultMaxLength

    @Option(
        name: .customLong("redis-backlog"),
        help: "Records held in memory while Redis is unreachable; past it the oldest are dropped and counted.")
    var backlog: Int = RedisPublisher.defaultMaxBacklog

    func validate() throws {
        if let publish {
            do { _ = try RedisAddress(parsing: publish) } catch { throw ValidationError("--publish: \(error.message)") }
        }
        guard maxLength >= 0 else { throw ValidationError("--redis-maxlen must be 0 or more") }
        guard (1...100_000_000).contains(backlog) else {
            throw ValidationError("--redis-backlog must be between 1 and 100000000")
        }
    }

    /// The publisher's configuration, or nil without `--publish`.
    func configuration() throws -> RedisPublisherConfiguration? {
        guard let publish else { return nil }
        var c = RedisPublisherConfiguration(address: try RedisAddress(parsing: publish))
        c.maxLength = maxLength
        c.maxBacklog = backlog
        return c
    }
}
