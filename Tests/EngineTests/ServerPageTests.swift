import Engine
import FastDecode
import Foundation
import Testing

/// HTTP on the server port: the page (headless Chromium), /health, /metrics, polling refusal, 404.
@Suite("Server HTTP and page", .serialized)
struct ServerPageTests {
    @Test("/health, /metrics, polling transport refused, 404")
    func http() throws {
        guard pythonClientsAvailable() else { return }
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
        #expect(polling.status == 400)
        #expect(polling.body.contains("only the websocket transport is supported"))
        #expect(try httpGet(port: port, path: "/nope").status == 404)
        let page = try httpGet(port: port, path: "/")
        #expect(page.status == 200 && page.body.contains("<canvas id=\"chart\">"))
        #expect(!page.body.contains("http://") && !page.body.contains("https://"), "the page loads nothing external")
    }

    @Test("headless Chromium shows published candles")
    func chromium() throws {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let browser = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("SKIPPED: chromium is not installed (apt-get install -y chromium); the page check did not run")
            return
        }
        let (server, dir) = try makeTestServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-page-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                       "--virtual-time-budget=10000", "--dump-dom", "http://127.0.0.1:\(server.boundPort)/"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // keep publishing (every ms: virtual time runs ahead of real time) while the page loads:
        // history gives 3 fake candles, the live forming candle makes 4
        let done = DispatchSemaphore(value: 0)
        let box = DataBox()
        DispatchQueue.global().async {
            box.set(out.fileHandleForReading.readDataToEndOfFile())
            done.signal()
        }
        let deadline = Date().addingTimeInterval(60)
        while done.wait(timeout: .now() + .milliseconds(1)) == .timedOut {
            server.publish(CollectionOfOne(Candle(asset: eur, timeframe: .oneMinute, start: 1_700_000_400,
                                                  open: 1.1, high: 1.3, low: 1.0, close: 1.23456, ticks: 5)))
            if Date() > deadline { p.terminate() }
        }
        p.waitUntilExit()
        let text = String(decoding: box.get(), as: UTF8.self)
        #expect(text.contains("<span id=\"count\">4</span>"), "\(text.prefix(3000))")
        #expect(text.contains("<span id=\"last\">1.23456</span>"))
        #expect(text.contains("<span id=\"status\" class=\"ok\">connected</span>"))
    }
}

final class DataBox: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
