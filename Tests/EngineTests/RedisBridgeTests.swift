import FastDecode
import Foundation
import Logging
import Synchronization
import Testing

@testable import Candles
@testable import RedisBridge

/// The Redis client pieces without a server: addresses, stream ids, RESP encoding.
@Suite("Redis bridge: parsing and encoding")
struct RedisParsingTests {
    @Test("redis:// addresses: host, port, database; bad ones are refused with a reason")
    func addresses() throws {
        #expect(
            try RedisAddress(parsing: "redis://127.0.0.1:6380/2")
                == RedisAddress(host: "127.0.0.1", port: 6380, database: 2))
        #expect(try RedisAddress(parsing: "redis://cache") == RedisAddress(host: "cache", port: 6379, database: 0))
        #expect(try RedisAddress(parsing: "redis://[::1]:7000/") == RedisAddress(host: "::1", port: 7000, database: 0))
        #expect(RedisAddress(host: "::1", port: 7000, database: 3).description == "redis://[::1]:7000/3")
        for bad in ["http://x:1", "redis://", "redis://h:0", "redis://h:x", "redis://h:1/db", "redis://u:p@h:1"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisAddress(parsing: bad) }
        }
    }

    @Test("stream ids order like Redis orders them")
    func streamIDs() {
        #expect(StreamID("1700000000000-5")! < StreamID("1700000000000-12")!)
        #expect(StreamID("1700000000000-99")! < StreamID("1700000000001-0")!)
        #expect(StreamID("12")! == StreamID(milliseconds: 12, sequence: 0))
        #expect(StreamID("x-1") == nil)
        #expect(StreamID(milliseconds: 3, sequence: 4).description == "3-4")
    }

    @Test("RESP encoding of a command with text, integer and Double arguments")
    func resp() {
        var w = RESPWriter()
        w.arrayHeader(5)
        w.argument("XADD")
        w.argument("qflux:ticks:EURUSD_otc")
        w.argument(Int64(-100000))
        w.argument(1_700_000_000.125)
        w.argument(1.08531)
        #expect(
            String(decoding: w.bytes, as: UTF8.self)
                == "*5\r\n$4\r\nXADD\r\n$22\r\nqflux:ticks:EURUSD_otc\r\n$7\r\n-100000\r\n$14\r\n1700000000.125\r\n$7\r\n1.08531\r\n"
        )
    }

    @Test("a payout list without a finite time is dropped and counted, never queued for qflux:payouts")
    func payoutListWithoutFiniteTime() {
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc")
        let publisher = RedisPublisher(
            configuration: RedisPublisherConfiguration(address: RedisAddress(host: "127.0.0.1", port: 1, database: 0)),
            assets: assets, waitWhenFull: false, logger: Logger(label: "test"))  // never started
        let list = PayoutSnapshot(time: nil, payouts: [AssetPayout(asset: eur, percent: 92)])
        publisher.publishPayouts(list, time: .nan)
        publisher.publishPayouts(list, time: .infinity)
        #expect(publisher.counters.dropped.load(ordering: .relaxed) == 2)
        #expect(!publisher.payoutMailbox.hasLists)
        publisher.publishPayouts(list, time: 1_700_000_000)
        #expect(publisher.counters.dropped.load(ordering: .relaxed) == 2)
        #expect(publisher.payoutMailbox.takeAll().map(\.time) == [1_700_000_000])
    }
}

/// The publisher, the client and the archiver against a real redis-server.
@Suite("Redis bridge against redis-server", .serialized, .enabled(if: Dependency.redisServer, Dependency.needsRedis))
struct RedisServerTests {
    @Test("the publisher writes every tick and candle with MAXLEN ~; values read back exactly; assets listed")
    func publishes() throws {
        let redis = try RedisTestServer()
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc"), gbp = assets.register("GBPUSD")
        var config = RedisPublisherConfiguration(address: redis.address)
        config.maxLength = 1000
        let publisher = RedisPublisher(
            configuration: config, assets: assets, waitWhenFull: true, logger: Logger(label: "test"))
        publisher.start()
        var sent: [Tick] = []
        for i in 0..<5000 {
            let t = Tick(
                asset: i % 3 == 0 ? gbp : eur, time: 1_700_000_000 + Double(i) * 0.001 + 0.000_1,
                price: 1.0 + Double(i) / 7)
            sent.append(t)
            publisher.append(.tick(t))
        }
        let candle = Candle(
            asset: eur, timeframe: Timeframe(seconds: 5), start: 1_700_000_005, open: 1.1, high: 1.3, low: 0.9,
            close: 1.2, ticks: 17)
        publisher.append(.candle(candle))
        publisher.endBatch()
        publisher.finish()
        #expect(publisher.counters.ticks.load(ordering: .relaxed) == 5000)
        #expect(publisher.counters.candles.load(ordering: .relaxed) == 1)
        #expect(publisher.counters.dropped.load(ordering: .relaxed) == 0)

        let c = try redis.connect()
        let members = try c.command(["SMEMBERS", RedisStreamLayout.assetsKey]).elements?.compactMap(\.text).sorted()
        #expect(members == ["EURUSD_otc", "GBPUSD"])
        // MAXLEN ~ 1000 trims whole macro nodes: at least 1000 newest stay, far fewer than 3333.
        let length = try #require(try c.command(["XLEN", RedisStreamLayout.ticksKey("EURUSD_otc")]).integer)
        #expect(length >= 1000 && length < 3333)
        let newest = StreamEntry.parse(
            list: try c.command(["XREVRANGE", RedisStreamLayout.ticksKey("EURUSD_otc"), "+", "-", "COUNT", "500"]))
        let expected = sent.filter { $0.asset == eur }.suffix(500).reversed()
        #expect(newest.map { $0.double("time")! } == expected.map(\.time))
        #expect(newest.map { $0.double("price")! } == expected.map(\.price))
        let candles = StreamEntry.parse(list: try c.command(["XRANGE", "qflux:candles:5s:EURUSD_otc", "-", "+"]))
        #expect(candles.count == 1)
        #expect(candles.first?.fields.map(\.name) == ["time", "open", "high", "low", "close", "volume"])
        #expect(candles.first?.fields.map(\.value) == ["1700000005", "1.1", "1.3", "0.9", "1.2", "17"])
    }

    @Test(
        "Redis down: the publisher never blocks, keeps a bounded backlog, counts drops, sends the rest after Redis starts"
    )
    func outage() throws {
        let redis = try RedisTestServer()
        redis.stop()
        let assets = AssetDirectory()
        let eur = assets.register("EURUSD_otc")
        var config = RedisPublisherConfiguration(address: redis.address)
        config.maxBacklog = 300
        config.finishTimeout = 20
        let publisher = RedisPublisher(
            configuration: config, assets: assets, waitWhenFull: false, logger: Logger(label: "test"))
        publisher.start()
        let started = Date()
        for i in 0..<1000 {
            publisher.append(.tick(Tick(asset: eur, time: 1_700_000_000 + Double(i), price: Double(i))))
            if i % 100 == 99 { publisher.endBatch() }
        }
        publisher.endBatch()
        #expect(Date().timeIntervalSince(started) < 0.5, "append must not wait for Redis")
        #expect(waitUntil(5) { publisher.counters.dropped.load(ordering: .relaxed) == 700 })
        #expect(publisher.waiting == 300)
        #expect(publisher.counters.connected.load(ordering: .relaxed) == false)
        #expect(publisher.metricsText().contains("qflux_redis_publish_backlog 300"))
        #expect(publisher.healthMember().contains("\"state\":\"reconnecting\""))
        try redis.start()
        #expect(waitUntil(10) { publisher.counters.ticks.load(ordering: .relaxed) == 300 })
        publisher.finish()
        let entries = StreamEntry.parse(
            list: try redis.connect().command(["XRANGE", RedisStreamLayout.ticksKey("EURUSD_otc"), "-", "+"]))
        // The newest 300 were kept (the oldest dropped), in order.
        #expect(entries.map { $0.double("price")! } == (700..<1000).map(Double.init))
        #expect(publisher.counters.connectFailures.load(ordering: .relaxed) >= 1)
    }

    @Test("server error replies become Swift errors; NOGROUP and BUSYGROUP are recognised")
    func errors() throws {
        let redis = try RedisTestServer()
        let c = try redis.connect()
        do {
            try c.command(["XREADGROUP", "GROUP", "g", "c", "STREAMS", "nostream", ">"])
            Issue.record("expected NOGROUP")
        } catch {
            #expect(error.isNoGroup, "\(error)")
        }
        try c.command(["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"])
        do {
            try c.command(["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"])
            Issue.record("expected BUSYGROUP")
        } catch {
            #expect(error.isBusyGroup, "\(error)")
        }
        redis.stop()
        #expect(throws: RedisError.self) { try c.command(["PING"]) }
        #expect(c.isBroken)
    }
}
