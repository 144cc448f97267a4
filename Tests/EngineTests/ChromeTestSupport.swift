import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Engine
@testable import SocketIOServer

/// A child process the test owns: output to temp files, SIGKILLed by pid when the test is done
/// (or when this object goes away), so nothing outlives a test.
final class ChildProcess {
    let process = Process()
    let output: URL
    private var killed = false

    init(_ executable: String, _ arguments: [String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-child-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: output)
    }

    var pid: Int32 { process.processIdentifier }

    /// SIGKILL (by pid) and reap.
    func kill() {
        guard !killed else { return }
        killed = true
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits up to `timeout` s for the process to end by itself; kills it otherwise. True if it ended.
    @discardableResult
    func wait(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let ended = !process.isRunning
        kill()
        return ended
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds; true once it holds.
@discardableResult
func waitUntil(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

/// A free TCP port on 127.0.0.1 (bound to 0, read back, closed).
func freeLocalPort() -> Int {
    (try? LocalListener())?.port ?? 0
}

/// A TCP socket listening on 127.0.0.1 at a port the kernel picked; closed when dropped.
final class LocalListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard fd >= 0, bound == 0, listen(fd, 1) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw ListenError(reason: reason)
        }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    struct ListenError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "cannot listen on 127.0.0.1: \(reason)" }
    }
}

/// Headless Chromium with its own profile and DevTools port, showing `urls`.
final class HeadlessChromium {
    let child: ChildProcess
    let profile: URL

    init(binary: String, debuggingPort: Int, urls: [String]) throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-chrome-\(UUID().uuidString)")
        child = try ChildProcess(
            binary,
            [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--disable-background-networking", "--disable-component-update",
                "--remote-debugging-port=\(debuggingPort)", "--user-data-dir=\(profile.path)",
            ] + urls)
    }

    deinit { kill() }

    /// SIGKILL, as a crash or the user's kill would; then the profile goes, and the directory
    /// in /tmp that holds Chromium's singleton socket (a killed Chromium leaves it behind).
    func kill() {
        child.kill()
        removeChromiumProfile(profile)
    }
}

/// Removes a Chromium profile directory, and the directory in /tmp holding the profile's singleton
/// socket, which Chromium removes itself only when it exits normally.
func removeChromiumProfile(_ profile: URL) {
    let socket = profile.appendingPathComponent("SingletonSocket").path
    if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: socket) {
        let holder = URL(fileURLWithPath: target).deletingLastPathComponent()
        if holder.lastPathComponent.hasPrefix("org.chromium.") { try? FileManager.default.removeItem(at: holder) }
    }
    try? FileManager.default.removeItem(at: profile)
}

/// `Scripts/fake_broker.py`, running on a free port; see the script for its control endpoints.
final class FakeBroker {
    let child: ChildProcess
    let port: Int
    let record: URL
    private let dir: URL

    init(bigHistoryMB: Double = 0) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        record = dir.appendingPathComponent("ticks.jsonl")
        let portFile = dir.appendingPathComponent("port")
        let child = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", serverScriptsDirectory.appendingPathComponent("fake_broker.py").path,
                "--port-file", portFile.path, "--record", record.path,
                "--big-history-mb", "\(bigHistoryMB)", "--timeout", "120",
            ])
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
            throw ChromeError(code: .connect, cause: "fake broker did not start: \(log.suffix(800))")
        }
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The page Chromium opens (matches `--target pocketoption-fake`).
    func pageURL(tab: Int? = nil) -> String {
        "http://127.0.0.1:\(port)/pocketoption-fake/\(tab.map { "?tab=\($0)" } ?? "")"
    }

    /// `/control/WHAT` → its JSON state.
    @discardableResult
    func control(_ what: String) -> [String: Any] {
        guard
            let r = try? HTTPGet.get(
                address: "127.0.0.1", port: port, hostHeader: "127.0.0.1:\(port)", path: "/control/\(what)",
                connectTimeout: 1, timeout: 3),
            let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        else { return [:] }
        return o
    }

    func state(_ key: String) -> Int { control("state")[key] as? Int ?? -1 }

    /// The ticks sent so far.
    func ticks() throws -> [RecordedTick] {
        try String(contentsOf: record, encoding: .utf8).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return RecordedTick(
                asset: o["asset"] as! String, time: (o["time"] as! NSNumber).doubleValue,
                price: (o["price"] as! NSNumber).doubleValue, generation: o["gen"] as! Int,
                tab: o["tab"] as? String ?? "")
        }
    }
}

struct RecordedTick {
    var asset: String
    var time: Double
    var price: Double
    var generation: Int
    var tab: String
}

/// `Scripts/chrome_stream_client.py` in the background until ``finish()``.
final class StreamClient {
    let child: ChildProcess
    let stopFile: URL

    /// Runs `script` (in Tests/EngineTests/Scripts) as `script URL STOPFILE 80 arguments…`.
    init(port: Int, script: String = "chrome_stream_client.py", arguments: [String] = []) throws {
        stopFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qflux-client-stop-\(UUID().uuidString)")
        child = try ChildProcess(
            "/usr/bin/env",
            [
                "python3", serverScriptsDirectory.appendingPathComponent(script).path,
                "http://127.0.0.1:\(port)", stopFile.path, "80",
            ] + arguments)
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(at: stopFile)
    }

    /// Stops the client; returns its JSON result.
    func finish() throws -> [String: Any] {
        _ = FileManager.default.createFile(atPath: stopFile.path, contents: nil)
        let ended = child.wait(timeout: 10)
        let log = child.log
        guard ended, let last = log.split(separator: "\n").last,
            let o = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else {
            throw ChromeError(code: .http, cause: "client failed: \(log.suffix(1500))")
        }
        return o
    }
}

extension StreamClient {
    /// The client's progress lines so far (stdout and stderr share its log).
    private var progress: [[Substring]] {
        child.log.split(separator: "\n").map { $0.split(separator: " ") }
    }

    /// Whether the client printed "STARTED …" (its `stream_started` arrived).
    var started: Bool { progress.contains { $0.first == "STARTED" } }

    /// The assets named on the client's "SUBSCRIBED …" lines (its `subscribed` replies) so far.
    var subscribedAssets: Set<String> {
        Set(progress.filter { $0.first == "SUBSCRIBED" }.flatMap { $0.dropFirst().map(String.init) })
    }

    /// Whether the client has printed ("UPDATE ASSET START VOLUME") a `candle_update` of the minute
    /// of the broker's last tick of each of `assets`: what the broker sent last has reached it.
    func hasUpdatesOfLastMinute(_ ticks: [RecordedTick], assets: [String]) -> Bool {
        let seen = Set(progress.filter { $0.count >= 3 && $0[0] == "UPDATE" }.map { "\($0[1])@\($0[2])" })
        return assets.allSatisfy { asset in
            guard let last = ticks.last(where: { $0.asset == asset }) else { return false }
            return seen.contains("\(asset)@\(Int((last.time / 60).rounded(.down)) * 60)")
        }
    }
}

/// Checks every `candle_update` against the broker's record: it must equal the 1m candle of a
/// prefix of the ticks the broker sent for its asset and minute (ticks lost when Chrome dies can only
/// be the tail of a minute, see fake_broker.py). Returns the candle minutes (generations) seen per asset.
func expectCandlesMatchRecord(_ updates: [[String: Any]], _ ticks: [RecordedTick]) -> [String: Set<Int>] {
    var byKey: [String: [Double]] = [:]
    var generationOf: [String: Int] = [:]
    for t in ticks {
        let key = "\(t.asset)@\(Int((t.time / 60).rounded(.down)) * 60)"
        byKey[key, default: []].append(t.price)
        generationOf[key] = t.generation
    }
    var seen: [String: Set<Int>] = [:]
    for u in updates {
        let asset = u["asset"] as! String
        let start = (u["timestamp"] as! NSNumber).intValue
        let volume = (u["volume"] as! NSNumber).intValue
        let key = "\(asset)@\(start)"
        guard let prices = byKey[key] else {
            Issue.record("update for \(key) but the broker sent no tick there")
            continue
        }
        guard volume >= 1, volume <= prices.count else {
            Issue.record("update for \(key) has volume \(volume) of \(prices.count) ticks sent")
            continue
        }
        let prefix = prices.prefix(volume)
        #expect((u["open"] as! NSNumber).doubleValue == prefix.first!, "\(key) open")
        #expect((u["close"] as! NSNumber).doubleValue == prefix.last!, "\(key) close")
        #expect((u["high"] as! NSNumber).doubleValue == prefix.max()!, "\(key) high")
        #expect((u["low"] as! NSNumber).doubleValue == prefix.min()!, "\(key) low")
        seen[asset, default: []].insert(generationOf[key]!)
    }
    return seen
}
