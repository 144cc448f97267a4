import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Engine
@testable import SocketIOServer

/// A `qflux` child process with its standard error captured in a file.
final class QfluxChild {
    let process = Process()
    let errPath: String

    /// Starts `launcher… qflux args…` (the launcher, e.g. `prlimit`, may be empty).
    init(_ binary: String, _ args: [String], launcher: [String] = []) throws {
        errPath = NSTemporaryDirectory() + "qflux-child-\(UUID().uuidString).err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        if launcher.isEmpty {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: launcher[0])
            process.arguments = Array(launcher.dropFirst()) + [binary] + args
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: errPath)
    }

    /// Standard error so far.
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Waits until standard error contains `text` (or the process ends, or `timeout` passes).
    @discardableResult
    func waitFor(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// The port printed by `qflux stream --port 0` ("… http://127.0.0.1:PORT/ …").
    func port(timeout: Double = 20) -> Int? {
        guard waitFor("http://127.0.0.1:", timeout: timeout) else { return nil }
        let text = stderr
        guard let r = text.range(of: "http://127.0.0.1:") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// Sends `signal` and waits for the exit; nil when it did not exit within `timeout`.
    func stop(_ signal: Int32, timeout: Double) -> (status: Int32, reason: Process.TerminationReason)? {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason)
    }
}

/// One demo tick as logged by `--demo-tick-log`.
struct LoggedTick: Equatable {
    var asset: String
    var time: Double
    var price: Double
}

/// Reads a `--demo-tick-log` file (complete lines only: a line cut by SIGKILL is ignored).
func readTickLog(_ path: String) throws -> [LoggedTick] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [LoggedTick] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let asset = o["asset"] as? String, let t = o["time"] as? NSNumber, let p = o["price"] as? NSNumber
        else { continue }
        out.append(LoggedTick(asset: asset, time: t.doubleValue, price: p.doubleValue))
    }
    return out
}

/// Every tick chunk under `dir` read with the Engine's reader, per asset in file order.
func readArchivedTicks(_ dir: String) throws -> (perAsset: [String: [LoggedTick]], chunks: [ChunkSummary]) {
    let reader = try ArchiveReader()
    var perAsset: [String: [LoggedTick]] = [:]
    var summaries: [ChunkSummary] = []
    for path in (try? ArchiveIndex.chunkPaths(in: dir)) ?? [] {
        let chunk = try reader.read(path)
        summaries.append(chunk.summary)
        guard chunk.summary.header.kind == .ticks else { continue }
        let asset = chunk.summary.header.asset
        perAsset[asset, default: []] += chunk.ticks.map { LoggedTick(asset: asset, time: $0.time, price: $0.price) }
    }
    return (perAsset, summaries)
}
