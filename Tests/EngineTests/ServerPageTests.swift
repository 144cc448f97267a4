import Archive
import Candles
import ChromeCDP
import Engine
import FastDecode
import Foundation
import Ring
import SocketIOServer
import Testing

/// HTTP on the server port: the page (headless Chromium), /health, /metrics, polling handshake, 404.
@Suite("Server HTTP and page", .serialized)
struct ServerPageTests {
    @Test("/health, /metrics, polling handshake, 404", .enabled(if: Dependency.python, Dependency.needsPython))
    func http() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        let port = server.boundPort
        let health = try httpGet(port: port, path: "/health")
        #expect(health.status == 200)
        let h = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(h["ticks"] as? Int == 1234)
        #expect(h["clients"] as? Int == 0)
        #expect((h["source"] as? [String: Any])?["kind"] as? String == "demo")
        #expect(h["uptime_seconds"] is Double || h["uptime_seconds"] is Int)
        let metrics = try httpGet(port: port, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("\nqflux_server_clients 0\n"))
        #expect(metrics.body.contains("qflux_server_slow_disconnects_total 0"))
        #expect(metrics.body.contains("qflux_fake_total 7"))
        let polling = try httpGet(port: port, path: "/socket.io/?EIO=4&transport=polling")
        #expect(polling.status == 200)  // a long-polling handshake (ServerPollingTests has the rest)
        #expect(polling.body.hasPrefix("0{") && polling.body.contains("\"upgrades\":[\"websocket\"]"))
        #expect(try httpGet(port: port, path: "/socket.io/?EIO=3&transport=polling").status == 400)
        #expect(try httpGet(port: port, path: "/nope").status == 404)
        let page = try httpGet(port: port, path: "/")
        #expect(page.status == 200 && page.body.contains("<canvas id=\"chart\">"))
        #expect(!page.body.contains("http://") && !page.body.contains("https://"), "the page loads nothing external")
    }

    @Test(
        "headless Chromium shows published candles",
        .enabled(if: Dependency.chromium, Dependency.needsChromium),
        .enabled(if: Dependency.python, Dependency.needsPython))
    func chromium() throws {
        let browser = try #require(Dependency.chromiumPath)
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        try withHeadlessPage(browser, "http://127.0.0.1:\(server.boundPort)/") { port in
            // Keep publishing the live candle while the probe waits: history gives 3 fake candles,
            // the live forming candle makes 4.
            let run = try runScriptWhile("page_probe.py", args: [String(port), "4", "30"], timeout: 45) {
                server.publish(
                    CollectionOfOne(
                        Candle(
                            asset: eur, timeframe: .oneMinute, start: 1_700_000_400,
                            open: 1.1, high: 1.3, low: 1.0, close: 1.23456, ticks: 5)))
            }
            let state = try #require(run.result, "probe: \(run.stdout) \(run.stderr.suffix(400))")
            #expect(state["count"] as? String == "4", "\(state)")
            #expect(state["last"] as? String == "1.23456")
            #expect(state["status"] as? String == "connected")
            #expect(state["statusClass"] as? String == "ok")
        }
    }

    @Test(
        "a page opened for an asset qflux has not seen waits for it, then shows it",
        .enabled(if: Dependency.chromium, Dependency.needsChromium),
        .enabled(if: Dependency.python, Dependency.needsPython))
    func waitsForUnseenAsset() throws {
        let browser = try #require(Dependency.chromiumPath)
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        try withHeadlessPage(browser, "http://127.0.0.1:\(server.boundPort)/?asset=newcoin%20otc") { port in
            var ticks = 0
            var coin: AssetID?
            let run = try runScriptWhile("page_probe.py", args: [String(port), "4", "40"], timeout: 55) {
                // the page waits ~3 s after it connected (however long Chromium took to get there),
                // then the broker's data comes
                if server.stats.clients > 0 { ticks += 1 }
                guard ticks > 150 else { return }
                let id = coin ?? dir.register("NEWCOIN_otc")
                coin = id
                server.publish(
                    CollectionOfOne(
                        Candle(
                            asset: id, timeframe: .oneMinute, start: 1_700_000_400,
                            open: 2.1, high: 2.3, low: 2.0, close: 2.25, ticks: 5)))
            }
            let state = try #require(run.result, "probe: \(run.stdout) \(run.stderr.suffix(400))")
            let shown = state["shown_history"] as? [String] ?? []
            #expect(shown.contains { $0.contains("newcoin otc") && $0.contains("waiting for data") }, "\(shown)")
            #expect(shown.last == "NEWCOIN_otc 1m", "\(shown)")
            #expect(state["count"] as? String == "4", "\(state)")
            #expect(state["last"] as? String == "2.25")
        }
    }
}

/// Runs headless Chromium on `url` with a fresh profile and hands its DevTools port to `body`.
func withHeadlessPage(_ browser: String, _ url: String, arguments: [String] = [], _ body: (Int) throws -> Void) throws {
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-page-\(UUID().uuidString)")
    defer { removeChromiumProfile(profile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: browser)
    // Real time, not --virtual-time-budget (which raced the WebSocket on loaded machines): the
    // page is read over the DevTools Protocol until it shows the candles or 30 s pass.
    p.arguments =
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
            "--remote-debugging-port=0",
        ] + arguments + [url]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    defer { p.terminate(); p.waitUntilExit() }
    // Chromium writes the port it picked to DevToolsActivePort in the profile.
    var devtoolsPort: Int?
    let portDeadline = Date().addingTimeInterval(20)
    while devtoolsPort == nil, Date() < portDeadline {
        if let text = try? String(contentsOf: profile.appendingPathComponent("DevToolsActivePort"), encoding: .utf8) {
            devtoolsPort = text.split(separator: "\n").first.flatMap { Int($0) }
        }
        if devtoolsPort == nil { Thread.sleep(forTimeInterval: 0.1) }
    }
    let port = try #require(devtoolsPort, "Chromium did not report its DevTools port")
    try body(port)
}

/// Runs a script from Scripts/ with python3, calling `tick` every 20 ms until it exits (killed
/// after `timeout` seconds).
func runScriptWhile(_ name: String, args: [String], timeout: Double, tick: () -> Void) throws -> ScriptRun {
    try runProcess(
        "/usr/bin/env", ["python3", serverScriptsDirectory.appendingPathComponent(name).path] + args,
        timeout: timeout, tick: tick)
}

/// Runs a program with its output captured in files (no pipe to fill up), optionally feeding
/// `stdin`, calling `tick` every 20 ms while it runs and terminating it after `timeout` seconds.
func runProcess(
    _ executable: String, _ arguments: [String], stdin: Data? = nil, timeout: Double,
    tick: () -> Void = {}
) throws -> ScriptRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-run-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    let input = stdin.map { _ in Pipe() }
    p.standardInput = input ?? FileHandle.nullDevice
    try p.run()
    if let input, let stdin {
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    }
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while p.isRunning {
        if Date() > deadline { timedOut = true; p.terminate(); break }
        tick()
        Thread.sleep(forTimeInterval: 0.02)
    }
    p.waitUntilExit()
    return ScriptRun(
        status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", timedOut: timedOut)
}
