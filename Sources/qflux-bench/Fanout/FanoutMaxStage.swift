import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer

/// The highest fan-out delivery rate qflux's server sustains with p99 ≤ 10 ms and ≥ 99.9 %
/// delivered: one server, N connected clients (``NativeFanoutClients``, this process), and a
/// series of measurement windows at rising update rates – doubling until a window misses, then
/// bisecting between the last pass and the first miss. Every window's deliveries/s, p50, p99 and
/// delivered % are printed to stderr as it ends; the figures are the best passing window's.
///
/// `QFLUX_FANOUT_POINTS=1000x100,200x50` (clients×updates/s, comma-separated) measures just those
/// points instead (each `--quick`/full window length, 3 windows each, median reported) – for
/// before/after comparisons.
struct FanoutMaxStage: BenchStage {
    let name = "fanout-max"
    let summary = "Socket.IO fan-out: highest deliveries/s with p99 ≤ 10 ms and ≥ 99.9 % delivered (rate search)"

    static let p99Limit = 10.0
    static let deliveredLimit = 99.9

    func run(_ context: BenchContext) throws -> [Figure] {
        let seconds = context.quick ? 2.0 : 4.0
        if let spec = ProcessInfo.processInfo.environment["QFLUX_FANOUT_POINTS"] {
            return try runPoints(spec, seconds: seconds)
        }
        var figures: [Figure] = []
        var overall: FanoutWindow?
        for clients in context.quick ? [1000, 50] : [1000, 200, 50] {
            let rig = try FanoutRig(clients: clients)
            var best: FanoutWindow?
            var bad: Double?
            var rate = (100_000 / Double(clients)).rounded()  // 100 k deliveries/s to start
            var steps = 0
            // doubling (halving while nothing passed), then bisection to within 10 %
            while steps < 12 {
                steps += 1
                let w = rig.window(rate: rate, seconds: seconds)
                log(w)
                if w.passes {
                    if best == nil || w.deliveriesPerSecond > best!.deliveriesPerSecond { best = w }
                } else {
                    bad = min(bad ?? rate, rate)
                }
                let good = best?.rate ?? 0
                if let bad {
                    if good == 0 {
                        // nothing passed yet: halve (down to 5 updates/s)
                        guard rate > 5 else { break }
                        rate = max(5, (rate / 2).rounded())
                        continue
                    }
                    if bad / good <= 1.1 { break }
                    rate = ((good + bad) / 2).rounded()
                } else {
                    rate *= 2
                }
            }
            let label = "\(clients) clients"
            guard let best else {
                figures.append(
                    Figure(
                        stage: name, name: "\(label): best deliveries/s with p99 ≤ 10 ms", value: 0, unit: "msg/s",
                        note: "no window passed (\(steps) tried)"))
                continue
            }
            figures.append(
                Figure(
                    stage: name, name: "\(label): best deliveries/s with p99 ≤ 10 ms", value: best.deliveriesPerSecond,
                    unit: "msg/s",
                    note: "× \(Int(best.achievedRate)) updates/s: p50 \(formatNumber(best.p50)) ms, "
                        + "p99 \(formatNumber(best.p99)) ms, \(formatNumber(best.deliveredPercent)) % delivered; \(steps) windows"
                ))
            if overall == nil || best.deliveriesPerSecond > overall!.deliveriesPerSecond { overall = best }
        }
        guard let best = overall else {
            figures.append(
                Figure(
                    stage: name, name: "best deliveries/s with p99 ≤ 10 ms", value: 0, unit: "msg/s",
                    target: .atLeast(500_000), note: "no window passed"))
            return figures
        }
        figures.append(
            Figure(
                stage: name, name: "best deliveries/s with p99 ≤ 10 ms", value: best.deliveriesPerSecond, unit: "msg/s",
                target: .atLeast(500_000),
                note: "\(best.clients) clients × \(Int(best.achievedRate)) updates/s, windows of \(Int(seconds)) s"))
        figures.append(Figure(stage: name, name: "at best, p50", value: best.p50, unit: "ms"))
        figures.append(
            Figure(stage: name, name: "at best, p99", value: best.p99, unit: "ms", target: .atMost(Self.p99Limit)))
        figures.append(
            Figure(
                stage: name, name: "at best, delivered", value: best.deliveredPercent, unit: "%",
                target: .atLeast(Self.deliveredLimit), note: "\(best.received) of \(best.expected)"))
        return figures
    }

    /// `QFLUX_FANOUT_POINTS`: fixed points, 3 windows each, medians.
    private func runPoints(_ spec: String, seconds: Double) throws -> [Figure] {
        var figures: [Figure] = []
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: "x")
            guard parts.count == 2, let clients = Int(parts[0]), let rate = Double(parts[1]) else {
                throw BenchError("QFLUX_FANOUT_POINTS: '\(item)' is not CLIENTSxRATE")
            }
            let rig = try FanoutRig(clients: clients)
            var windows: [FanoutWindow] = []
            for _ in 0..<3 {
                let w = rig.window(rate: rate, seconds: seconds)
                log(w)
                windows.append(w)
            }
            func median(_ f: (FanoutWindow) -> Double) -> Double { windows.map(f).sorted()[1] }
            let label = "\(clients) × \(Int(rate))/s"
            figures.append(
                Figure(
                    stage: name, name: "\(label): delivered", value: median(\.deliveredPercent), unit: "%",
                    target: .atLeast(Self.deliveredLimit)))
            figures.append(Figure(stage: name, name: "\(label): p50", value: median(\.p50), unit: "ms"))
            figures.append(
                Figure(
                    stage: name, name: "\(label): p99", value: median(\.p99), unit: "ms",
                    target: .atMost(Self.p99Limit),
                    note: "p99 of the 3 windows: "
                        + windows.map { String(format: "%.1f", $0.p99) }.joined(separator: ", ")))
        }
        return figures
    }

    private func log(_ w: FanoutWindow) {
        let line = String(
            format:
                "  fanout-max: %d clients × %.0f/s (achieved %.0f/s): %.0f deliveries/s, %.2f %% delivered, p50 %.2f ms, p99 %.2f ms – %@\n",
            w.clients, w.rate, w.achievedRate, w.deliveriesPerSecond, w.deliveredPercent, w.p50, w.p99,
            w.passes ? "pass" : "miss")
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// One measurement window's result.
struct FanoutWindow {
    var clients: Int
    var rate: Double
    /// Updates published per second (the publisher may fall short of `rate`).
    var achievedRate: Double
    var expected: Int
    var received: Int
    var seconds: Double
    var p50: Double
    var p99: Double

    var deliveredPercent: Double { expected > 0 ? Double(received) / Double(expected) * 100 : 0 }
    var deliveriesPerSecond: Double { Double(received) / seconds }
    var passes: Bool {
        deliveredPercent >= FanoutMaxStage.deliveredLimit && p99 <= FanoutMaxStage.p99Limit
            && achievedRate >= rate * 0.98
    }
}

/// A server and its connected clients, measured window after window: the clients are serviced
/// on the calling thread, a publisher thread publishes each window's updates.
final class FanoutRig {
    let clients: Int
    private let server: StreamServer
    private let native: NativeFanoutClients
    private let asset: AssetID
    /// Candle starts keep rising across windows: no update coalesces with an earlier one.
    private let counter = FanoutCounter()

    init(clients: Int) throws {
        self.clients = clients
        let bench = try BenchServer(clients: clients)
        server = bench.server
        asset = bench.asset
        native = try NativeFanoutClients(
            port: server.boundPort, clients: clients, asset: BenchServer.assetName, sampleEvery: 7)
        let start = now()
        while (server.stats.clients < clients || native.connected < clients) && now() - start < 20 {
            native.run(until: now() + 0.05)
        }
        native.run(until: now() + 0.3)  // start_stream handled everywhere
    }

    deinit { server.stop() }

    /// Publishes `rate` updates/s for `seconds`, services the clients until 0.5 s after, and
    /// returns what arrived.
    func window(rate: Double, seconds: Double) -> FanoutWindow {
        let received0 = native.received
        let samples0 = native.latenciesMs.count
        let published = FanoutCounter()
        let server = self.server, asset = self.asset, counter = self.counter
        let done = DispatchSemaphore(value: 0)
        let begin = now() + 0.05
        let publisher = Thread {
            let wait0 = begin - now()
            if wait0 > 0 { usleep(UInt32(wait0 * 1e6)) }
            // every update due by now goes out in one publish (one batch, one wake-up), as the
            // engine does after a burst of ticks: high rates do not depend on usleep's resolution
            var batch: [Candle] = []
            batch.reserveCapacity(64)
            var i: Int64 = 0
            let total = Int64(rate * seconds)
            while i < total {
                let due = min(total, Int64((now() - begin) * rate) + 1)
                if due > i {
                    let t = Date().timeIntervalSince1970
                    batch.removeAll(keepingCapacity: true)
                    while i < due && batch.count < 64 {
                        i += 1
                        batch.append(
                            Candle(
                                asset: asset, timeframe: .oneMinute, start: counter.next() * 60,
                                open: t, high: t, low: t, close: t, ticks: 1))
                    }
                    server.publish(batch)
                }
                let wait = begin + Double(i) / rate - now()
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
            }
            published.value = i
            published.end = now()
            done.signal()
        }
        publisher.start()
        native.run(until: begin + seconds + 0.5)
        done.wait()
        let latencies = native.latenciesMs[samples0...].sorted()
        func pct(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count - 1) * p))]
        }
        return FanoutWindow(
            clients: clients, rate: rate,
            achievedRate: Double(published.value) / max(seconds, published.end - begin),
            expected: Int(published.value) * clients, received: native.received - received0,
            seconds: seconds, p50: pct(0.5), p99: pct(0.99))
    }
}

/// A counter handed between the rig and its publisher threads (one writer at a time).
final class FanoutCounter: @unchecked Sendable {
    var value: Int64 = 0
    /// When the publisher finished (monotonic seconds).
    var end = 0.0
    func next() -> Int64 {
        value += 1
        return value
    }
}
