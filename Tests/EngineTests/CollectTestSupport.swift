import Foundation
import Testing

@testable import Archive
@testable import ChromeCDP

/// `Scripts/fake_broker_collect.py` on a free port: the page `qflux collect` drives (see the script).
final class FakeCollectBroker {
    let child: ChildProcess
    let port: Int
    let record: URL
    private let dir: URL

    init(dropFirst: [String] = [], mute: Bool = false, liveTicks: Bool = false) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-collect-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        record = dir.appendingPathComponent("record.jsonl")
        let portFile = dir.appendingPathComponent("port")
        let child = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", serverScriptsDirectory.appendingPathComponent("fake_broker_collect.py").path,
                "--port-file", portFile.path, "--record", record.path, "--timeout", "240",
            ]
                + dropFirst.flatMap { ["--drop-first", $0] } + (mute ? ["--mute"] : [])
                + (liveTicks ? ["--live-ticks"] : []))
        var port = 0
        waitUntil(10) {
            port = Int((try? String(contentsOf: portFile, encoding: .utf8)) ?? "") ?? 0
            return port > 0 || !child.process.isRunning
        }
        self.port = port
        self.child = child
        if port == 0 {
            let log = child.log
            child.kill()
            throw CollectTestError("fake collect broker did not start: \(log.suffix(800))")
        }
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The page (matches `--target pocketoption-collect`).
    func pageURL(variant: String = "links") -> String {
        "http://127.0.0.1:\(port)/pocketoption-collect/?variant=\(variant)"
    }

    /// WebSockets the page opened so far (its script ran).
    func sockets() -> Int {
        guard
            let r = try? HTTPGet.get(
                address: "127.0.0.1", port: port, hostHeader: "127.0.0.1:\(port)", path: "/control/state",
                connectTimeout: 1, timeout: 3),
            let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        else { return 0 }
        return o["sockets"] as? Int ?? 0
    }

    /// Every record line so far.
    func entries() -> [[String: Any]] {
        let text = (try? String(contentsOf: record, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Labels of the favourites the page saw clicked, and whether every click was a trusted (real input) event.
    func favouriteClicks() -> (labels: [String], allTrusted: Bool) {
        let clicks = entries().filter { $0["type"] as? String == "click" }
        let favourites = clicks.filter { $0["what"] as? String == "favourite" }
        return (favourites.compactMap { $0["label"] as? String }, clicks.allSatisfy { $0["trusted"] as? Bool == true })
    }

    /// The closed candles the broker sent, per "ASSET@PERIOD", by start: every history's candles
    /// except its newest (forming) one – all of them under `--live-ticks`. Values: [open, high, low, close].
    func closedCandlesSent() -> [String: [Int64: [Double]]] {
        var out: [String: [Int64: [Double]]] = [:]
        for e in entries() where e["type"] as? String == "history" {
            let key = "\(e["asset"] as! String)@\((e["period"] as! NSNumber).intValue)"
            let candles = e["candles"] as! [[NSNumber]]
            // newest first: the first is forming, unless the broker's clock is past it ("all_closed")
            for c in e["all_closed"] as? Bool == true ? candles[...] : candles.dropFirst() {
                out[key, default: [:]][c[0].int64Value] = [
                    c[1].doubleValue, c[3].doubleValue, c[4].doubleValue, c[2].doubleValue,
                ]
            }
        }
        return out
    }
}

struct CollectTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A qflux run to its end: exit status, stdout, stderr.
struct QfluxRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `qflux arguments` and waits up to `timeout` seconds (killed after that: status -1).
func runQflux(_ qflux: String, _ arguments: [String], timeout: Double) throws -> QfluxRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: qflux)
    process.arguments = arguments
    let dir = FileManager.default.temporaryDirectory
    let out = dir.appendingPathComponent("qflux-run-\(UUID().uuidString).out"),
        err = dir.appendingPathComponent("qflux-run-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    var status = Int32(-1)
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    } else {
        status = process.terminationStatus
    }
    return QfluxRun(
        status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// The archive's candle records per "ASSET@PERIOD", in file order (revisions included).
func archivedCandles(_ directory: String) throws -> [String: [CandleRecord]] {
    guard FileManager.default.fileExists(atPath: directory) else { return [:] }
    let index = try ArchiveIndex.scan(directory: directory)
    let reader = try ArchiveReader()
    var out: [String: [CandleRecord]] = [:]
    for s in index.series where s.kind == .candles {
        for chunk in s.chunks {
            out["\(s.asset)@\(s.timeframeSeconds)", default: []] += try reader.read(chunk.path).candles
        }
    }
    return out
}
