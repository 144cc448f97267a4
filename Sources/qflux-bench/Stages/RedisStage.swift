import Candles
import FastDecode
import Foundation
import Logging
import MarketSource
import RedisBridge
import Synchronization

/// Redis Streams: the publisher's sustained rate into a local redis-server it starts (pipelined
/// `XADD … MAXLEN ~`), redis-py's pipelined `XADD` into the same server in the same run, and the
/// latency the Redis hop adds between a publishing node and a Redis-fed node at 1 k ticks/s
/// (publisher append on the engine side → the Redis source's feeder on the other side).
struct RedisStage: BenchStage {
    let name = "redis"
    let summary = "Redis Streams publisher ticks/s vs redis-py, and the p50/p99 the Redis hop adds at 1 k ticks/s"

    func run(_ context: BenchContext) throws -> [Figure] {
        guard
            let serverPath = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            return [
                Figure(
                    stage: name, name: "publisher", value: .nan, unit: "",
                    note: "redis-server not installed (apt-get install -y redis-server)")
            ]
        }
        let server = try BenchRedisServer(path: serverPath, directory: try context.temporaryDirectory(named: "redis"))
        defer { server.stop() }
        var figures: [Figure] = []

        // 1. The publisher, fed from this thread the way the engine feeds it.
        let ticks = context.quick ? 500_000 : 2_000_000
        let assetCount = 8
        let assets = AssetDirectory()
        let ids = (0..<assetCount).map { assets.register("BENCH\($0)_otc") }
        var rates: [Double] = []
        for run in 0..<(context.quick ? 2 : 4) {
            try server.command(["FLUSHALL"])
            let publisher = RedisPublisher(
                configuration: RedisPublisherConfiguration(address: server.address), assets: assets,
                waitWhenFull: true, logger: Logger(label: "bench"))
            publisher.start()
            let t0 = now()
            var time = 1_700_000_000.0
            for i in 0..<ticks {
                time += 0.001
                publisher.append(
                    .tick(Tick(asset: ids[i & (assetCount - 1)], time: time, price: 1.08 + Double(i % 1000) * 1e-5)))
                if i & 4095 == 4095 { publisher.endBatch() }
            }
            publisher.endBatch()
            publisher.finish()
            let seconds = now() - t0
            let written = publisher.counters.ticks.load(ordering: .relaxed)
            guard written == ticks else { throw BenchError("redis: publisher wrote \(written) of \(ticks) ticks") }
            if run > 0 || context.quick { rates.append(Double(ticks) / seconds) }  // the first full run warms up
        }
        let sorted = rates.sorted()
        let median = sorted[sorted.count / 2]
        figures.append(
            Figure(
                stage: name, name: "publisher, pipelined XADD MAXLEN ~ 100000 (8 streams)", value: median,
                unit: "ticks/s",
                spreadPercent: sorted.count > 1 ? (sorted.last! - sorted.first!) / median * 100 : nil,
                target: .atLeast(500_000), note: "\(ticks) ticks per run, all acknowledged by Redis"))

        // 2. redis-py, same server, same commands.
        let pyTicks = context.quick ? 200_000 : 500_000
        try server.command(["FLUSHALL"])
        if let py = try Self.redisPy(
            script: try context.scripts.path(for: .redisPy), port: server.address.port, ticks: pyTicks)
        {
            figures.append(
                Figure(
                    stage: name, name: "redis-py pipelined XADD MAXLEN ~ 100000 (baseline)", value: py, unit: "ticks/s",
                    note: "\(pyTicks) ticks, pipelines of 1024"))
            figures.append(Figure(stage: name, name: "qflux publisher ÷ redis-py", value: median / py, unit: "×"))
        } else {
            figures.append(
                Figure(
                    stage: name, name: "redis-py baseline", value: .nan, unit: "", note: "python3 -m pip install redis")
            )
        }

        // The server's own ceiling for the same command, measured by redis-benchmark (C, pipelined).
        try server.command(["FLUSHALL"])
        if let ceiling = Self.redisBenchmark(port: server.address.port, requests: pyTicks) {
            figures.append(
                Figure(
                    stage: name, name: "redis-benchmark -P 1024, same XADD (server ceiling)", value: ceiling,
                    unit: "ticks/s",
                    note: "publisher at \(Int((median / ceiling * 100).rounded())) % of it"))
        }

        // 3. The hop: publisher on one side, Redis source on the other, at 1 k ticks/s.
        try server.command(["FLUSHALL"])
        let hop = try Self.hopLatency(address: server.address, seconds: context.quick ? 5 : 15)
        func pct(_ p: Double) -> Double {
            hop.isEmpty ? .nan : hop[min(hop.count - 1, Int(Double(hop.count - 1) * p))] * 1000
        }
        figures.append(
            Figure(
                stage: name, name: "Redis hop at 1 k ticks/s, p50", value: pct(0.5), unit: "ms",
                note: "\(hop.count) ticks: engine-side append → XADD → XREAD BLOCK → Redis-fed node's engine ring"))
        figures.append(
            Figure(
                stage: name, name: "Redis hop at 1 k ticks/s, p99", value: pct(0.99), unit: "ms", target: .atMost(1),
                note: "max \(formatNumber(pct(1)))"))
        return figures
    }

    /// redis-py's rate (`script`: the path of redis_py_xadd.py), or nil when the module is missing.
    static func redisPy(script: String, port: Int, ticks: Int) throws -> Double? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(port), String(ticks)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text == "missing" { return nil }
        guard let rate = Double(text) else { throw BenchError("redis-py baseline failed: \(text.prefix(200))") }
        return rate
    }

    /// requests/s of `redis-benchmark -P 1024` running one tick's XADD; nil when it is missing.
    static func redisBenchmark(port: Int, requests: Int) -> Double? {
        let path = "/usr/bin/redis-benchmark"
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "-h", "127.0.0.1", "-p", String(port), "-P", "1024", "-n", String(requests), "-q", "--csv",
            "XADD", "qflux:ticks:BENCH0_otc", "MAXLEN", "~", "100000", "*", "time", "1700000000.123", "price",
            "1.08531",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // --csv: a header line, then "XADD …","<rps>",…
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let last = lines.last else { return nil }
        let fields = last.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        return fields.count > 1 ? Double(fields[1]) : nil
    }

    /// Seconds from `append` on the publishing side to the Redis source's `feed`, per tick, sorted.
    static func hopLatency(address: RedisAddress, seconds: Double) throws -> [Double] {
        let assets = AssetDirectory()
        let asset = assets.register("HOP_otc")
        let publisher = RedisPublisher(
            configuration: RedisPublisherConfiguration(address: address), assets: assets,
            waitWhenFull: false, logger: Logger(label: "bench"))
        publisher.start()
        // Announce the asset so the source follows it before timing starts.
        publisher.append(.tick(Tick(asset: asset, time: 1, price: -1)))
        publisher.endBatch()
        let feeder = TimingFeeder()
        var config = RedisSource.Configuration(address: address)
        config.assetPoll = 0.1
        let source = RedisSource(configuration: config, logger: Logger(label: "bench"))
        try source.start(feeder: feeder, events: nil)
        let ready = now() + 5
        while feeder.streamReady.load(ordering: .relaxed) == false, now() < ready { usleep(10_000) }
        let count = Int(seconds * 1000)
        let start = now()
        for i in 0..<count {
            let due = start + Double(i) / 1000
            while now() < due { usleep(50) }
            publisher.append(.tick(Tick(asset: asset, time: 2 + Double(i), price: now())))
            publisher.endBatch()
        }
        let end = now() + 2
        while feeder.received.withLock({ $0.count }) < count, now() < end { usleep(10_000) }
        source.stop()
        publisher.finish()
        return feeder.received.withLock { $0 }.sorted()
    }
}

/// A feeder that records, per tick, now − the send time carried in its price.
private final class TimingFeeder: FrameFeeder, @unchecked Sendable {
    let assets = AssetDirectory()
    let received = Mutex<[Double]>([])
    let streamReady = Atomic<Bool>(false)

    func feed(line: UnsafeRawBufferPointer, readable: Int) {}

    func feed(events: some Sequence<DecodedEvent>) {
        let t = now()
        var latencies: [Double] = []
        for event in events {
            switch event {
            case let .tick(tick) where tick.price > 0: latencies.append(t - tick.price)
            case .tick, .history: streamReady.store(true, ordering: .relaxed)
            default: break
            }
        }
        if !latencies.isEmpty { received.withLock { $0 += latencies } }
    }
}

/// A redis-server for the bench: a free port on 127.0.0.1, no persistence (also the postgres stage's).
final class BenchRedisServer {
    let process = Process()
    let address: RedisAddress

    init(path: String, directory: URL) throws {
        let port = Int.random(in: 20_000...40_000)
        address = RedisAddress(host: "127.0.0.1", port: port)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = now() + 10
        while now() < deadline {
            if (try? command(["PING"])) != nil { return }
            usleep(50_000)
        }
        throw BenchError("redis-server did not start on port \(port)")
    }

    @discardableResult
    func command(_ args: [String]) throws -> RedisReply {
        try RedisConnection(address: address).command(args)
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }
}
