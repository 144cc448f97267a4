import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Logging
import Ring
import SocketIOServer
import Synchronization

/// Server fan-out: N Socket.IO clients (raw WebSocket on one epoll thread, in this process) focused on one asset while
/// the engine side publishes `candle_update`s at a fixed rate, each carrying its wall-clock send
/// time; figures are deliveries/s and send→receive latency percentiles. The same clients then
/// measure the original tool's stack (Flask-SocketIO) pushing the same events, when installed.
/// The machine's floor follows (``KernelFloorServer``: the same clients fed by bare `send()`s
/// on one and on two threads), so qflux's tail can be read against what the kernel costs here.
/// A mixed case follows: 100 WebSocket and 100 long-polling clients (``NativePollingClients``,
/// raw HTTP on their own thread) × 50 updates/s, delivered % and latency per transport.
struct FanoutStage: BenchStage {
    let name = "fanout"
    let summary =
        "Socket.IO fan-out to N clients: deliveries/s, latency p50/p99 (vs Flask-SocketIO); WebSocket + long-polling mix"

    func run(_ context: BenchContext) throws -> [Figure] {
        let clients = context.quick ? 200 : 1000
        let rate = context.quick ? 50.0 : 100.0
        let seconds = context.quick ? 4.0 : 8.0
        var figures: [Figure] = []

        // qflux's server front and the machine's floor (the same clients fed by bare send()s),
        // alternately: on a shared machine one run of each says little.
        let rounds = context.quick ? 1 : 3
        var qflux: [ClientResult] = [], floor: [ClientResult] = []
        var trace: [FanoutTraceSample] = []
        for _ in 0..<rounds {
            qflux.append(try runQflux(clients: clients, rate: rate, seconds: seconds, trace: &trace))
            floor.append(try runFloor(clients: clients, rate: rate, seconds: seconds, senders: 1))
        }
        let floor2 = try runFloor(clients: clients, rate: rate, seconds: seconds, senders: 2)
        let expected = Double(clients) * rate * seconds
        let result = qflux.min { $0.received < $1.received }!
        let runs = rounds == 1 ? "1 run" : "median of \(rounds) runs alternating with the floor's"
        figures.append(
            Figure(
                stage: name, name: "qflux: \(clients) clients × \(Int(rate)) updates/s, delivered",
                value: Double(result.received) / expected * 100,
                unit: "%", note: "worst run: \(result.received) of \(Int(expected)) (\(result.connected) connected)"))
        figures.append(
            Figure(stage: name, name: "qflux deliveries/s", value: Double(result.received) / seconds, unit: "msg/s"))
        figures.append(latency("qflux latency p50", qflux, 0.50, note: runs))
        figures.append(
            latency(
                "qflux latency p99", qflux, 0.99, target: .atMost(10),
                note: "\(runs); clients: raw WebSocket, one epoll thread, same process and cores"))
        let floorLabel = "kernel floor (send() only, 1 thread)"
        figures.append(
            Figure(
                stage: name, name: "\(floorLabel): delivered",
                value: Double(floor.map(\.received).min()!) / expected * 100, unit: "%"))
        figures.append(latency("\(floorLabel): latency p50", floor, 0.50, note: runs))
        let ratio = median(qflux.map { $0.percentile(0.99) }) / median(floor.map { $0.percentile(0.99) })
        figures.append(
            latency(
                "\(floorLabel): latency p99", floor, 0.99,
                note: "qflux p99 ÷ this: \(String(format: "%.2f", ratio))×"))
        let qfluxCPU = median(qflux.map(\.cpuPerDelivery)), floorCPU = median(floor.map(\.cpuPerDelivery))
        figures.append(
            Figure(
                stage: name, name: "qflux server CPU per delivery", value: qfluxCPU, unit: "µs",
                note:
                    "every thread but the clients', from the first update to the clients' end (connecting left out, as for the floor); runs: \(qflux.map { String(format: "%.1f", $0.cpuPerDelivery) }.joined(separator: ", "))"
            ))
        figures.append(
            Figure(
                stage: name, name: "\(floorLabel): CPU per delivery", value: floorCPU, unit: "µs",
                note:
                    "qflux ÷ this: \(String(format: "%.2f", qfluxCPU / floorCPU))×; runs: \(floor.map { String(format: "%.1f", $0.cpuPerDelivery) }.joined(separator: ", "))"
            ))
        figures.append(
            Figure(
                stage: name, name: "qflux p99 ÷ kernel floor p99, same run", value: ratio, unit: "×",
                target: .atMost(1.5), note: "medians of the alternated runs"))
        figures.append(
            Figure(
                stage: name, name: "qflux CPU per delivery ÷ kernel floor's, same run", value: qfluxCPU / floorCPU,
                unit: "×", target: .atMost(1.1)))
        figures += FanoutTraceFigures(stage: name, samples: trace).figures()
        figures.append(
            Figure(
                stage: name, name: "kernel floor (send() only, 2 threads): latency p99",
                value: floor2.percentile(0.99), unit: "ms",
                note:
                    "p50 \(String(format: "%.1f", floor2.percentile(0.50))) ms, \(String(format: "%.1f", Double(floor2.received) / expected * 100)) % delivered, 1 run"
            ))

        // The original tool's stack (FlaskBaseline.swift): at this load and at one it carries.
        figures += try FlaskBaseline(stage: name, context: context).figures(
            clients: clients, rate: rate, seconds: seconds, qfluxReceived: result.received)
        figures += try runMixed(seconds: seconds)
        return figures
    }

    /// One fan-out run against qflux's server front: the clients connect, then rate × seconds
    /// updates are published.
    /// The server's fan-out timings of the run are appended to `trace`.
    private func runQflux(clients: Int, rate: Double, seconds: Double, trace: inout [FanoutTraceSample]) throws
        -> ClientResult
    {
        let bench = try BenchServer(clients: clients, traceFanout: true)
        defer { bench.server.stop() }
        let finished = PublisherFinished()
        let publisher = Thread {
            defer { finished.flag.store(true, ordering: .releasing) }
            bench.awaitClients(clients)
            finished.started.store(true, ordering: .releasing)
            bench.publishPaced(rate: rate, count: Int64(rate * seconds))
        }
        // the clients run until the publisher is done, then 2 s for the last deliveries (however
        // long connecting took under load)
        let result = try runNative(
            port: bench.server.boundPort, clients: clients, seconds: seconds + 30, startPublisher: publisher,
            until: finished, grace: 2)
        trace += bench.server.takeFanoutTrace()
        return result
    }

    /// The median of the runs' `p` percentiles, their range in the spread.
    private func latency(
        _ label: String, _ runs: [ClientResult], _ p: Double, target: Figure.Target? = nil, note: String
    ) -> Figure {
        let values = runs.map { $0.percentile(p) }
        let samples = Samples(seconds: values)
        return Figure(
            stage: name, name: label, value: samples.median, unit: "ms",
            spreadPercent: values.count > 1 ? samples.spreadPercent : nil,
            target: target,
            note: values.count > 1
                ? "\(note); runs: \(values.map { String(format: "%.1f", $0) }.joined(separator: ", "))" : note)
    }

    private func median(_ values: [Double]) -> Double { Samples(seconds: values).median }

    /// The same clients and load against ``KernelFloorServer``: what the kernel alone costs.
    private func runFloor(clients: Int, rate: Double, seconds: Double, senders: Int) throws -> ClientResult {
        let floor = try KernelFloorServer()
        let finished = PublisherFinished()
        let publisher = Thread {
            defer { finished.flag.store(true, ordering: .releasing) }
            floor.accept(clients, timeout: 30)
            usleep(300_000)
            finished.started.store(true, ordering: .releasing)
            floor.publishPaced(rate: rate, count: Int(rate * seconds), senders: senders)
        }
        return try runNative(
            port: floor.port, clients: clients, seconds: seconds + 30, startPublisher: publisher,
            until: finished, grace: 2)
    }

    /// 100 WebSocket + 100 long-polling clients × 50 updates/s on one server.
    private func runMixed(seconds: Double) throws -> [Figure] {
        let perTransport = 100, rate = 50.0
        let bench = try BenchServer(clients: 2 * perTransport)
        let server = bench.server
        defer { server.stop() }
        let port = server.boundPort
        let publisher = Thread {
            bench.awaitClients(2 * perTransport)
            bench.publishPaced(rate: rate, count: Int64(rate * seconds))
        }
        let deadline = now() + seconds + 6
        let polling = PollingRun()
        let pollingThread = Thread {
            do {
                let clients = try NativePollingClients(
                    port: port, clients: perTransport, asset: BenchServer.assetName, sampleEvery: 7)
                clients.run(until: deadline)
                polling.result = ClientResult(
                    received: clients.received, connected: clients.connected, latencies: clients.latenciesMs)
            } catch {
                polling.error = "\(error)"
            }
            polling.done.signal()
        }
        pollingThread.start()
        let native = try NativeFanoutClients(
            port: port, clients: perTransport, asset: BenchServer.assetName, sampleEvery: 7)
        publisher.start()
        native.run(until: deadline)
        polling.done.wait()
        if let error = polling.error { throw BenchError("mixed fan-out: \(error)") }
        let ws = ClientResult(received: native.received, connected: native.connected, latencies: native.latenciesMs)
        let lp = polling.result
        let expected = Double(perTransport) * rate * seconds
        let label = "mixed: \(perTransport) WebSocket + \(perTransport) polling clients × \(Int(rate)) updates/s"
        let all = Double(ws.received + lp.received) / (2 * expected) * 100
        return [
            Figure(
                stage: name, name: "\(label), delivered", value: all, unit: "%",
                note:
                    "\(ws.received + lp.received) of \(Int(2 * expected)) (\(ws.connected) + \(lp.connected) connected)"
            ),
            Figure(
                stage: name, name: "mixed WebSocket delivered", value: Double(ws.received) / expected * 100, unit: "%"),
            Figure(stage: name, name: "mixed WebSocket latency p50", value: ws.percentile(0.50), unit: "ms"),
            Figure(stage: name, name: "mixed WebSocket latency p99", value: ws.percentile(0.99), unit: "ms"),
            Figure(
                stage: name, name: "mixed polling delivered", value: Double(lp.received) / expected * 100, unit: "%"),
            Figure(stage: name, name: "mixed polling latency p50", value: lp.percentile(0.50), unit: "ms"),
            Figure(
                stage: name, name: "mixed polling latency p99", value: lp.percentile(0.99), unit: "ms",
                note: "long-polling: one held GET per client, ≤ 16 packets per answer"),
        ]
    }

    /// The polling half's results, handed from its thread.
    private final class PollingRun: @unchecked Sendable {
        var result = ClientResult()
        var error: String?
        let done = DispatchSemaphore(value: 0)
    }

    struct ClientResult {
        var received = 0
        var connected = 0
        var latencies: [Double] = []
        /// CPU seconds the server side (every thread but the clients') used during the run.
        var serverCPU = Double.nan
        /// Server CPU per delivered message, µs.
        var cpuPerDelivery: Double { serverCPU / Double(max(1, received)) * 1e6 }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let s = latencies.sorted()
            return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
        }
    }

    /// Runs the clients in this process: one epoll loop serviced on this thread.
    /// With `finished`, the clients stop `grace` seconds after it is set (or after `seconds`, whichever comes first).
    private func runNative(
        port: Int, clients: Int, seconds: Double, startPublisher: Thread?,
        until finished: PublisherFinished? = nil, grace: Double = 0
    ) throws -> ClientResult {
        let native = try NativeFanoutClients(port: port, clients: clients, asset: BenchServer.assetName, sampleEvery: 7)
        // the server's CPU: the process's, minus this thread's (the clients); with `finished`,
        // from when the publisher starts publishing (seen within 50 ms), so that neither side's
        // connecting – a bare accept for the floor, the HTTP upgrade and Socket.IO connect for
        // qflux – is charged to the deliveries
        var cpu0 = processCPUSeconds() - threadCPUSeconds()
        startPublisher?.start()
        let deadline = now() + seconds
        if let finished {
            var publishing = false
            while now() < deadline && !finished.flag.load(ordering: .acquiring) {
                if !publishing, finished.started.load(ordering: .acquiring) {
                    publishing = true
                    cpu0 = processCPUSeconds() - threadCPUSeconds()
                }
                native.run(until: min(deadline, now() + 0.05))
            }
            native.run(until: min(deadline, now() + grace))
        } else {
            native.run(until: deadline)
        }
        return ClientResult(
            received: native.received, connected: native.connected, latencies: native.latenciesMs,
            serverCPU: processCPUSeconds() - threadCPUSeconds() - cpu0)
    }

    /// Set by a publisher thread when it has published everything.
    final class PublisherFinished: Sendable {
        let flag = Atomic<Bool>(false)
        /// Set just before the first update is published (the clients are connected).
        let started = Atomic<Bool>(false)
    }
}
