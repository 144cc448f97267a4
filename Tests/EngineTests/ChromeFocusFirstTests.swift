import ChromeCDP
import Engine
import Foundation
import SocketIOServer
import Testing

/// The original's clients connect before Chrome has the page open and name an asset qflux has not
/// seen: `start_stream` is accepted at once, and the focus's candles reach the driver and a client
/// that only listens once the broker's data arrives (real headless Chromium, fake broker page).
@Suite(
    "start_stream before Chrome is there", .serialized,
    .enabled(if: Dependency.chromium, Dependency.needsChromium), .enabled(if: Dependency.python, Dependency.needsPython)
)
struct ChromeFocusFirstTests {
    @Test(
        "client first, Chrome later: stream_started at once, then the named asset's candles for the driver and a listener"
    )
    func clientFirstChromeLater() throws {
        let browser = try #require(Dependency.chromiumPath)
        let broker = try FakeBroker()
        let cdpPort = freeLocalPort()
        let stream = try makeChromeStream(cdpPort: cdpPort)
        try stream.start()
        defer { _ = try? stream.stop() }
        let chrome = try #require(stream.source as? ChromeSource)

        // GBPUSD_otc: one of the broker's assets, but not the one its chart shows (EURUSD_otc)
        let driver = try StreamClient(
            port: stream.port, script: "focus_first_client.py",
            arguments: ["driver", "GBPUSD_otc", "websocket"])
        let listener = try StreamClient(
            port: stream.port, script: "focus_first_client.py",
            arguments: ["listener", "GBPUSD_otc", "websocket"])
        #expect(waitUntil(15) { stream.serverStats.clients == 2 })
        // the driver's start_stream is in (answered) before Chrome starts
        #expect(waitUntil(15) { driver.started }, "no stream_started: \(driver.child.log.suffix(800))")
        #expect(!chrome.stats.connected)

        let chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL()])
        defer { chromium.kill() }
        try #require(
            waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 },
            "never attached: \(chromium.child.log.suffix(800))")
        broker.control("release")
        #expect(waitUntil(20) { broker.state("ticks") >= 150 })
        broker.control("hold")
        let sent = broker.state("ticks")
        #expect(waitUntil(30) { stream.counters.ticks >= sent }, "qflux got \(stream.counters.ticks) of \(sent) ticks")
        let sentTicks = try broker.ticks()
        #expect(
            waitUntil(20) {
                [driver, listener].allSatisfy { $0.hasUpdatesOfLastMinute(sentTicks, assets: ["GBPUSD_otc"]) }
            },
            "a client never got the focus candle of the last tick: \(driver.child.log.suffix(400)) \(listener.child.log.suffix(400))"
        )
        let driven = try driver.finish()
        let listened = try listener.finish()
        chromium.kill()

        let ticks = try broker.ticks()
        for (role, result) in [("driver", driven), ("listener", listened)] {
            let updates = try #require(result["updates"] as? [[String: Any]], "\(role): \(result)")
            #expect(!updates.isEmpty, "\(role) got no candle_update")
            #expect(updates.allSatisfy { $0["asset"] as? String == "GBPUSD_otc" }, "\(role): only the focus streams")
            let seen = expectCandlesMatchRecord(updates, ticks.filter { $0.asset == "GBPUSD_otc" })
            #expect(seen["GBPUSD_otc"] != nil, "\(role)")
            let status = try #require(result["status"] as? [[String: Any]])
            #expect(status.first?["chrome"] as? String != "connected", "\(role) connected before Chrome: \(status)")
        }
        let started = try #require(driven["started"] as? [[String: Any]])
        #expect(
            started.count == 1 && started.first?["asset"] as? String == "GBPUSD_otc",
            "stream_started at once: \(started)")
        #expect((listened["started"] as? [Any])?.isEmpty == true, "the listener asked for nothing")
    }
}
