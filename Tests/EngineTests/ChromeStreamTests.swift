import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import SocketIOServer

/// `qflux stream` with the Chrome source, end to end: a fake PocketOption broker (Scripts/fake_broker.py)
/// serves a page; real headless Chromium opens it; the stream attaches over CDP; a python-socketio
/// client subscribes; its candles must equal candles computed from the broker's own record.
@Suite(
    "Chrome source with headless Chromium", .serialized,
    .enabled(if: Dependency.chromium, Dependency.needsChromium), .enabled(if: Dependency.python, Dependency.needsPython)
)
struct ChromeStreamTests {
    @Test(
        "starts without Chrome, attaches when Chromium starts; two broker sockets; a 16 MB CDP message; candles equal the broker's ticks"
    )
    func attachWhenChromeStarts() throws {
        let browser = try #require(Dependency.chromiumPath)
        let broker = try FakeBroker(bigHistoryMB: 13)
        let cdpPort = freeLocalPort()
        let stream = try makeChromeStream(cdpPort: cdpPort)
        try stream.start()
        var running = true
        defer { if running { _ = try? stream.stop() } }
        let chrome = try #require(stream.source as? ChromeSource)
        let client = try StreamClient(port: stream.port)
        #expect(waitUntil(10) { stream.serverStats.clients == 1 && chrome.stats.polls >= 2 })
        #expect(!chrome.stats.connected)

        let chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL()])
        defer { chromium.kill() }
        try #require(
            waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 },
            "never attached: \(chromium.child.log.suffix(800))")
        // generation 1: the assets appear and the client subscribes to each (the first ticks may all
        // land in one engine batch while the 16 MB history is applied: then they coalesce into one update)
        broker.control("release")
        #expect(waitUntil(20) { broker.state("ticks") >= 200 })
        broker.control("hold")
        #expect(waitUntil(45) { stream.counters.ticks >= broker.state("ticks") })
        let allAssets: Set<String> = ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"]
        #expect(
            waitUntil(20) { client.subscribedAssets.isSuperset(of: allAssets) },
            "the client did not subscribe to every asset: \(client.child.log.suffix(800))")
        // generation 2: every asset is subscribed now
        broker.control("release")
        let before = broker.state("ticks")
        #expect(waitUntil(20) { broker.state("ticks") >= before + 200 })
        broker.control("hold")
        let sent = broker.state("ticks")
        #expect(
            waitUntil(45) { stream.counters.ticks >= sent && stream.counters.histories >= 1 },
            "qflux got \(stream.counters.ticks) of \(sent) ticks")
        let sentTicks = try broker.ticks()
        #expect(
            waitUntil(20) { client.hasUpdatesOfLastMinute(sentTicks, assets: Array(allAssets)) },
            "the client never got the candles of the last ticks: \(client.child.log.suffix(800))")
        let result = try client.finish()
        let summary = try stream.stop()
        running = false
        chromium.kill()

        let ticks = try broker.ticks()
        #expect(summary.counters.ticks == ticks.count, "nothing is lost while attached")
        #expect(summary.ringDropped == 0)
        #expect(chrome.stats.largestMessage >= 16_000_000, "largest CDP message \(chrome.stats.largestMessage) bytes")
        #expect(chrome.stats.attaches == 1 && chrome.stats.detaches == 0)
        let events = try #require(result["events"] as? [[String: Any]])
        #expect(events.first?["chrome"] as? String == "not connected", "\(events)")
        #expect(
            events.contains { $0["kind"] as? String == "status" && $0["chrome"] as? String == "connected" }, "\(events)"
        )
        let updates = try #require(result["updates"] as? [[String: Any]])
        let seen = expectCandlesMatchRecord(updates, ticks)
        // both broker sockets of the page delivered: trade (EURUSD, GBPUSD) and aux (AUDCAD)
        for asset in ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"] {
            #expect(
                seen[asset]?.contains(2) == true,
                "\(asset): generations \(seen[asset] ?? []) of \(updates.count) updates")
        }
    }

    @Test(
        "survives a page reload and Chrome killed and restarted: stream_error, then connection_status connected; candles continue"
    )
    func reattach() throws {
        let browser = try #require(Dependency.chromiumPath)
        let broker = try FakeBroker()
        let cdpPort = freeLocalPort()
        let stream = try makeChromeStream(cdpPort: cdpPort)
        try stream.start()
        var running = true
        defer { if running { _ = try? stream.stop() } }
        let chrome = try #require(stream.source as? ChromeSource)
        let client = try StreamClient(port: stream.port)
        var chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL()])
        defer { chromium.kill() }
        try #require(
            waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 && stream.serverStats.clients == 1 })

        // generation 1
        broker.control("release")
        #expect(waitUntil(15) { broker.state("ticks") >= 150 })
        broker.control("hold")

        // the page reloads: same target, same DevTools connection, new broker sockets
        broker.control("reload")
        #expect(waitUntil(15) { broker.state("opened") >= 4 && broker.state("open") == 2 }, "page did not reconnect")
        broker.control("release")
        let afterReload = broker.state("ticks")
        #expect(waitUntil(15) { broker.state("ticks") >= afterReload + 150 })
        broker.control("hold")
        #expect(chrome.stats.attaches == 1 && chrome.stats.detaches == 0, "a reload keeps the attachment")

        // Chrome killed mid-stream (ticks flowing), then started again
        broker.control("release")
        let flowing = broker.state("ticks")
        #expect(waitUntil(10) { broker.state("ticks") >= flowing + 10 }, "no ticks flowing before Chrome is killed")
        chromium.kill()
        #expect(waitUntil(10) { !chrome.stats.connected }, "the disconnect was not noticed")
        broker.control("hold")
        chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL()])
        try #require(waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 }, "never re-attached")
        broker.control("release")
        let afterRestart = broker.state("ticks")
        #expect(waitUntil(15) { broker.state("ticks") >= afterRestart + 150 })
        broker.control("hold")
        let sent = broker.state("ticks")
        #expect(waitUntil(10) { stream.counters.ticks >= sent - 200 && stream.serverStats.candleUpdatesIn > 0 })
        let sentTicks = try broker.ticks()
        #expect(
            waitUntil(20) {
                client.hasUpdatesOfLastMinute(sentTicks, assets: ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"])
            },
            "the client never got the candles of the last ticks: \(client.child.log.suffix(800))")
        let result = try client.finish()
        _ = try stream.stop()
        running = false
        chromium.kill()

        #expect(chrome.stats.attaches == 2 && chrome.stats.detaches == 1, "\(chrome.stats)")
        let events = try #require(result["events"] as? [[String: Any]])
        let errorAt = events.firstIndex { $0["kind"] as? String == "error" }
        let error = try #require(errorAt, "no stream_error: \(events)")
        #expect((events[error]["error"] as? String)?.contains("Chrome disconnected") == true)
        #expect(
            events[(error + 1)...].contains {
                $0["kind"] as? String == "status" && $0["chrome"] as? String == "not connected"
            })
        #expect(
            events[(error + 1)...].contains {
                $0["kind"] as? String == "status" && $0["chrome"] as? String == "connected"
            },
            "no connection_status connected after the error: \(events)")
        let ticks = try broker.ticks()
        let updates = try #require(result["updates"] as? [[String: Any]])
        let seen = expectCandlesMatchRecord(updates, ticks)
        // candles of every phase: before the reload (1, the client subscribes meanwhile), after it (2),
        // Chrome killed mid-stream (3), after the restart (4)
        for asset in ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"] {
            #expect(seen[asset]?.isSuperset(of: [2, 4]) == true, "\(asset): generations \(seen[asset] ?? [])")
        }
    }

    @Test(
        "a second matching tab: the attached one stays; when it closes, the other is attached; nothing is double counted"
    )
    func secondTab() throws {
        let browser = try #require(Dependency.chromiumPath)
        let broker = try FakeBroker()
        let cdpPort = freeLocalPort()
        let stream = try makeChromeStream(cdpPort: cdpPort)
        try stream.start()
        var running = true
        defer { if running { _ = try? stream.stop() } }
        let chrome = try #require(stream.source as? ChromeSource)
        let chromium = try HeadlessChromium(binary: browser, debuggingPort: cdpPort, urls: [broker.pageURL(tab: 1)])
        defer { chromium.kill() }
        try #require(waitUntil(25) { chrome.stats.connected && broker.state("open") == 2 })
        let first = try #require(chrome.attachedTarget)
        #expect(first.url.hasSuffix("tab=1"))
        // headless Chromium takes one URL: open the second tab over the DevTools HTTP API
        let opened = try HTTPGet.get(
            address: "127.0.0.1", port: cdpPort, hostHeader: "127.0.0.1:\(cdpPort)",
            path: "/json/new?\(broker.pageURL(tab: 2))", method: "PUT", connectTimeout: 1, timeout: 5)
        #expect(opened.status == 200)
        #expect(waitUntil(15) { broker.state("open") == 4 }, "second tab did not connect")
        // Chrome lists the newest tab first; qflux stays on the page it has
        let listed = try TargetDiscovery.list(at: CDPAddress(host: "127.0.0.1", port: cdpPort)).targets
        #expect(TargetMatcher(patterns: ["pocketoption-fake"]).pick(listed)?.url.hasSuffix("tab=2") == true)
        broker.control("release")
        #expect(waitUntil(15) { broker.state("ticks") >= 300 })
        broker.control("hold")
        #expect(chrome.attachedTarget?.id == first.id)
        var ticks = try broker.ticks()
        let tab1 = ticks.filter { $0.tab == "1" }.count
        #expect(tab1 > 0 && tab1 < ticks.count, "both tabs streamed")
        #expect(waitUntil(10) { stream.counters.ticks >= tab1 })
        Thread.sleep(forTimeInterval: 0.3)  // an absence is tested (no tick of tab 2 taken): a short fixed window
        #expect(
            stream.counters.ticks == tab1,
            "qflux took \(stream.counters.ticks) ticks; tab 1 sent \(tab1) of \(ticks.count)")

        // the attached tab closes: qflux reports it and attaches to the other
        _ = try HTTPGet.get(
            address: "127.0.0.1", port: cdpPort, hostHeader: "127.0.0.1:\(cdpPort)",
            path: "/json/close/\(first.id)", connectTimeout: 1, timeout: 5)
        #expect(waitUntil(15) { chrome.attachedTarget?.url.hasSuffix("tab=2") == true && broker.state("open") == 2 })
        broker.control("release")
        let before = broker.state("ticks")
        #expect(waitUntil(15) { broker.state("ticks") >= before + 150 })
        broker.control("hold")
        ticks = try broker.ticks()
        let expected = tab1 + ticks.filter { $0.tab == "2" && $0.generation == 2 }.count
        #expect(waitUntil(10) { stream.counters.ticks >= expected })
        Thread.sleep(forTimeInterval: 0.3)  // an absence is tested (nothing counted twice): a short fixed window
        let summary = try stream.stop()
        running = false
        chromium.kill()
        #expect(summary.counters.ticks == expected)
        #expect(chrome.stats.attaches == 2 && chrome.stats.detaches == 1)
    }
}

/// A live stream whose source is Chrome at 127.0.0.1:`cdpPort`, attaching to the fake broker's page,
/// looking every 0.25 s.
func makeChromeStream(cdpPort: Int, archive: ArchiveConfiguration? = nil) throws -> LiveStream {
    var config = LiveStream.Configuration()
    if let archive { config.pipeline.archive = archive }
    config.server.port = 0
    config.source = .chrome
    config.chrome.address = CDPAddress(host: "127.0.0.1", port: cdpPort)
    config.chrome.matcher = TargetMatcher(patterns: ["pocketoption-fake"])
    config.chrome.pollInterval = 0.25
    var logger = Logger(label: "qflux.chrome.test")
    logger.logLevel = .info
    return try LiveStream(configuration: config, logger: logger)
}
