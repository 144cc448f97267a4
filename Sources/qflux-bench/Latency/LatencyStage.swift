import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer

/// CDP event → Socket.IO client latency through `qflux stream`: a synthetic DevTools endpoint
/// (Python, aiohttp: Scripts/latency_cdp_endpoint.py) feeds `updateStream` frames to the real
/// Chrome source (libwebsockets client), through decode, ring, candle former and server front,
/// to a python-socketio client in the same process as the endpoint (one clock). The same
/// script's own loop-back costs are included, so the figure is an upper bound on what qflux adds.
struct LatencyStage: BenchStage {
    let name = "latency"
    let summary = "CDP event → Socket.IO client latency through the Chrome source (p50/p99)"

    func run(_ context: BenchContext) throws -> [Figure] {
        let count = context.quick ? 500 : 2000
        let rate = 200.0
        let script = try context.scripts.path(for: .latencyEndpoint)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, String(rate), String(count)]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let firstLine = readLine(output.fileHandleForReading)
        let parts = firstLine.split(separator: " ")
        guard parts.count == 2, parts[0] == "cdp", let cdpPort = Int(parts[1]) else {
            return [
                Figure(
                    stage: name, name: "CDP → client latency", value: .nan, unit: "",
                    note:
                        "synthetic endpoint did not start (needs python3 with aiohttp and python-socketio): \(firstLine.prefix(120))"
                )
            ]
        }
        var config = LiveStream.Configuration()
        config.source = .chrome
        config.chrome.address = CDPAddress(host: "127.0.0.1", port: cdpPort)
        config.chrome.pollInterval = 0.2
        config.server.port = 0
        let stream = try LiveStream(configuration: config, logger: Logger(label: "bench"))
        try stream.start()
        defer { _ = try? stream.stop() }
        input.fileHandleForWriting.write(Data("\(stream.port)\n".utf8))
        let resultLine = readLine(output.fileHandleForReading)
        process.waitUntilExit()
        guard let obj = try? JSONSerialization.jsonObject(with: Data(resultLine.utf8)) as? [String: Any],
            let latencies = obj["latencies_ms"] as? [Double], !latencies.isEmpty
        else {
            throw BenchError("latency: no result from the synthetic endpoint: \(resultLine.prefix(200))")
        }
        func pct(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }
        let loop = obj["loopback_ms"] as? [Double] ?? []
        return [
            Figure(
                stage: name, name: "CDP → client, delivered", value: Double(latencies.count) / Double(count) * 100,
                unit: "%",
                note: "\(latencies.count) of \(count) ticks at \(Int(rate))/s"),
            Figure(stage: name, name: "CDP → client latency p50", value: pct(latencies, 0.5), unit: "ms"),
            Figure(
                stage: name, name: "CDP → client latency p99", value: pct(latencies, 0.99), unit: "ms",
                note: "end to end, incl. the Python endpoint and client"),
            Figure(
                stage: name, name: "Python's own send→receive p50 / p99 (baseline)", value: pct(loop, 0.5), unit: "ms",
                note: "p99 \(formatNumber(pct(loop, 0.99))) ms"),
            Figure(
                stage: name, name: "qflux adds at p99 (end to end − baseline)",
                value: pct(latencies, 0.99) - pct(loop, 0.99), unit: "ms",
                target: .atMost(1)),
        ]
    }

    private func readLine(_ handle: FileHandle) -> String {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }
}
