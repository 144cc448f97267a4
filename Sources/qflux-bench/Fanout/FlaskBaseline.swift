import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer

/// The fan-out stage's baseline: the original tool's stack, Flask-SocketIO, pushing the same
/// `candle_update`s to the same in-process clients (``NativeFanoutClients``).
///
/// It runs in QuantumFlux's best configuration, eventlet (monkey-patched, eventlet's WSGI server,
/// websocket transport), and is measured twice:
/// - at qflux's load (clients × rate of the stage), where it falls behind: its deliveries/s there
///   are a throughput under overload, and the ratio says so;
/// - at the largest load of a ladder it carries (≥ 99 % delivered, p99 ≤ 100 ms), with qflux
///   measured at that same load beside it: latency and server CPU per delivery compare like with like.
/// Threading mode (Werkzeug + simple-websocket, the fallback without eventlet) is measured at
/// the carried load too in full runs, or alone when eventlet is missing.
struct FlaskBaseline {
    let stage: String
    let context: BenchContext

    /// Flask-SocketIO's server modes.
    enum Mode: String { case eventlet, threading }

    /// One measured run: clients connected, deliveries counted over the publishing window.
    struct Run {
        var clients = 0
        var rate = 0.0
        var seconds = 0.0
        var connected = 0
        var received = 0
        var latencies: [Double] = []
        /// Server CPU (user + system) over the measured window, seconds. Per delivery, not per
        /// second: the window can outlast its `seconds` + 4 (the clients' service call returns at
        /// the next event once the stream stops, up to the next ping), idle time the server spends
        /// next to no CPU in.
        var serverCPU = Double.nan

        var expected: Double { Double(clients) * rate * seconds }
        var deliveredPercent: Double { expected > 0 ? Double(received) / expected * 100 : .nan }
        var deliveriesPerSecond: Double { Double(received) / seconds }
        /// Deliveries per server CPU-second.
        var deliveriesPerCPUSecond: Double { serverCPU > 0 ? Double(received) / serverCPU : .nan }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let s = latencies.sorted()
            return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
        }
        /// Delivered ≥ 99 % with p99 ≤ 100 ms: the server keeps up (an overloaded one queues, and
        /// its p99 grows with the run).
        var carried: Bool { deliveredPercent >= 99 && percentile(0.99) <= 100 }
        var load: String { "\(clients)×\(Int(rate))/s" }
    }

    /// The stage's figures for Flask-SocketIO: `clients` × `rate` is qflux's load, at which qflux
    /// delivered `qfluxReceived` over `seconds`.
    func figures(clients: Int, rate: Double, seconds: Double, qfluxReceived: Int) throws -> [Figure] {
        guard context.pythonBaselines else { return [] }
        let script = try context.scripts.path(for: .flaskServer)
        var figures: [Figure] = []

        // (a) At qflux's load, in the best mode installed.
        var mode = Mode.eventlet
        var full: Run
        do {
            do {
                full = try runFlask(script: script, mode: .eventlet, clients: clients, rate: rate, seconds: seconds)
            } catch let missing as Missing {
                figures.append(
                    Figure(
                        stage: stage, name: "Flask-SocketIO baseline", value: .nan, unit: "",
                        note: "\(missing.module) not installed: threading mode only (scripts/setup.sh --bench)"))
                mode = .threading
                full = try runFlask(script: script, mode: .threading, clients: clients, rate: rate, seconds: seconds)
            }
        } catch let missing as Missing {
            return [
                Figure(
                    stage: stage, name: "Flask-SocketIO baseline", value: .nan, unit: "",
                    note: "\(missing.module) not installed (scripts/setup.sh --bench): skipped")
            ]
        } catch {
            return figures + [
                Figure(stage: stage, name: "Flask-SocketIO baseline", value: .nan, unit: "", note: "failed: \(error)")
            ]
        }
        let tag = "Flask (\(mode.rawValue))"
        figures += describe(full, tag: tag)
        let qfluxFull = Double(qfluxReceived) / (Double(clients) * rate * seconds) * 100
        if full.received > 0 {
            let note =
                full.carried
                ? "both carry qflux's load"
                : qfluxFull < 99
                    ? "neither carries this load in this run (qflux \(formatNumber(qfluxFull)) %): throughputs under overload"
                    : "Flask-SocketIO does not carry qflux's load: its throughput under overload"
            figures.append(
                Figure(
                    stage: stage, name: "qflux ÷ \(tag) deliveries/s, \(full.load)",
                    value: Double(qfluxReceived) / Double(full.received), unit: "×", note: note))
        }

        // (b) The largest load of the ladder it carries.
        var carried: Run? = full.carried ? full : nil
        var failedAbove: Run? = full.carried ? nil : full
        if carried == nil {
            // Under overload a server still pushes about what it can: skip the rungs well above that.
            let ceiling = full.connected == clients ? full.deliveriesPerSecond * 1.25 : .infinity
            let ladder = Self.ladder(quick: context.quick).filter {
                Double($0.clients) * $0.rate < Double(clients) * rate
                    && Double($0.clients) * $0.rate <= max(ceiling, 500)
            }
            for rung in ladder {
                guard
                    let run = try? runFlask(
                        script: script, mode: mode, clients: rung.clients, rate: rung.rate, seconds: seconds)
                else { continue }
                if run.carried {
                    carried = run
                    break
                }
                failedAbove = run
            }
        }
        guard let carried else {
            figures.append(
                Figure(
                    stage: stage, name: "\(tag) largest load carried", value: .nan, unit: "msg/s",
                    note: "none of the ladder's loads (down to 50×10/s) at ≥ 99 % with p99 ≤ 100 ms"))
            return figures
        }
        var above = ""
        if let failedAbove {
            above =
                "; \(failedAbove.load): \(formatNumber(failedAbove.deliveredPercent)) %, p99 \(formatNumber(failedAbove.percentile(0.99))) ms"
        }
        figures.append(
            Figure(
                stage: stage, name: "\(tag) largest load carried", value: carried.deliveriesPerSecond, unit: "msg/s",
                note: "\(carried.load) clients×updates, ≥ 99 % delivered with p99 ≤ 100 ms\(above)"))
        if carried.clients != clients || carried.rate != rate {
            figures += describe(carried, tag: tag)
        }
        if qfluxFull >= 99 {
            figures.append(
                Figure(
                    stage: stage, name: "qflux ÷ \(tag) load carried",
                    value: Double(qfluxReceived) / seconds / carried.deliveriesPerSecond,
                    unit: "×",
                    note: "a lower bound: qflux carried \(clients)×\(Int(rate))/s, its ceiling is not searched"))
        }

        // qflux at the same load, beside it.
        if let q = try? runQflux(clients: carried.clients, rate: carried.rate, seconds: seconds) {
            figures += describe(q, tag: "qflux")
            figures.append(
                Figure(
                    stage: stage, name: "\(tag) ÷ qflux latency p99, \(carried.load)",
                    value: carried.percentile(0.99) / q.percentile(0.99), unit: "×",
                    note: "Flask-SocketIO's p99 over qflux's, same load"))
            figures.append(
                Figure(
                    stage: stage, name: "qflux ÷ \(tag) msg per CPU-s, \(carried.load)",
                    value: q.deliveriesPerCPUSecond / carried.deliveriesPerCPUSecond, unit: "×",
                    note: "deliveries per server CPU-second (qflux: process minus the clients' thread)"))
        }

        // Threading mode at the same load (QuantumFlux's fallback without eventlet): full runs only.
        if mode == .eventlet, !context.quick,
            let t = try? runFlask(
                script: script, mode: .threading, clients: carried.clients, rate: carried.rate, seconds: seconds)
        {
            figures += describe(t, tag: "Flask (threading)")
        }
        return figures
    }

    /// Loads tried below qflux's, largest first (deliveries/s).
    static func ladder(quick: Bool) -> [(clients: Int, rate: Double)] {
        quick
            ? [(100, 50), (100, 30), (100, 20), (100, 10), (50, 10)]
            : [(1000, 20), (500, 20), (200, 25), (100, 40), (100, 30), (100, 20), (100, 10), (50, 10)]
    }

    private func describe(_ r: Run, tag: String) -> [Figure] {
        let label = "\(tag) \(r.load)"
        var cpu = ""
        if r.serverCPU.isFinite, r.received > 0 {
            cpu =
                "; server CPU \(formatNumber(r.serverCPU)) s, \(formatNumber(r.serverCPU / Double(r.received) * 1e6)) µs per delivery"
        }
        return [
            Figure(
                stage: stage, name: "\(label) delivered", value: r.deliveredPercent, unit: "%",
                note: "\(r.received) of \(Int(r.expected)) (\(r.connected) connected)\(cpu)"),
            Figure(stage: stage, name: "\(label) deliveries/s", value: r.deliveriesPerSecond, unit: "msg/s"),
            Figure(stage: stage, name: "\(label) latency p50", value: r.percentile(0.5), unit: "ms"),
            Figure(stage: stage, name: "\(label) latency p99", value: r.percentile(0.99), unit: "ms"),
        ]
    }

    /// The server script reported a module it could not import.
    struct Missing: Error { var module: String }

    /// Starts the Flask-SocketIO server (`script`: Scripts/fanout_flask_server.py), connects the
    /// clients, and measures until `seconds` + 4 after they all connected (its publisher starts
    /// then). The server is ended on return.
    private func runFlask(script: String, mode: Mode, clients: Int, rate: Double, seconds: Double) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-W", "ignore", script, String(rate), BenchServer.assetName, String(clients), String(seconds),
            mode.rawValue,
        ]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
        }
        // Read "ready PORT" (or fail when the process ends).
        var line = Data()
        while true {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { throw BenchError("flask server (\(mode.rawValue)) did not start") }
            if byte == Data([0x0A]) { break }
            line.append(byte)
        }
        let parts = String(decoding: line, as: UTF8.self).split(separator: " ")
        if parts.count == 2, parts[0] == "missing" { throw Missing(module: String(parts[1])) }
        guard parts.count == 2, parts[0] == "ready", let port = Int(parts[1]) else {
            throw BenchError("flask server: \(String(decoding: line, as: UTF8.self))")
        }
        if mode == .threading { usleep(300_000) }  // it prints before Werkzeug listens
        let pid = p.processIdentifier
        return try measure(
            port: port, clients: clients, rate: rate, seconds: seconds, cpu: { Self.processCPU(pid: pid) })
    }

    /// qflux's server at the given load, measured like ``runFlask``.
    private func runQflux(clients: Int, rate: Double, seconds: Double) throws -> Run {
        let bench = try BenchServer(clients: clients)
        let server = bench.server
        defer { server.stop() }
        let publisher = Thread { bench.publishPaced(rate: rate, count: Int64(rate * seconds)) }
        // Server CPU: this process's, minus the clients' thread (this one). Publishing starts once
        // the clients joined, as Flask's publisher does.
        return try measure(
            port: server.boundPort, clients: clients, rate: rate, seconds: seconds,
            cpu: { processCPUSeconds() - threadCPUSeconds() }, joined: { publisher.start() })
    }

    /// Connects `clients`, waits (≤ 30 s: eventlet's listen backlog is 50) for them all and 0.1 s more (their `start_stream` joins
    /// the room), calls `joined`, then services them for `seconds` + 4, reading the server's CPU
    /// time (`cpu`) around that window.
    private func measure(
        port: Int, clients: Int, rate: Double, seconds: Double, cpu: () -> Double,
        joined: () -> Void = {}
    ) throws -> Run {
        let native = try NativeFanoutClients(port: port, clients: clients, asset: BenchServer.assetName, sampleEvery: 7)
        let connectDeadline = now() + 30
        while native.connected < clients && now() < connectDeadline { native.run(until: now() + 0.02) }
        native.run(until: now() + 0.1)
        joined()
        let cpu0 = cpu()
        native.run(until: now() + seconds + 4)
        let cpu1 = cpu()
        return Run(
            clients: clients, rate: rate, seconds: seconds, connected: native.connected, received: native.received,
            latencies: native.latenciesMs, serverCPU: cpu1 - cpu0)
    }

    /// User + system CPU seconds of a child process (`/proc/PID/stat`), NaN when unreadable.
    private static func processCPU(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return .nan }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
