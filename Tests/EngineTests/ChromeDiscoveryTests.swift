import FastDecode
import Foundation
import Logging
import Synchronization
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import MarketSource
@testable import SocketIOServer

/// The Chrome source's parts that need no browser: addresses, the target list, the matcher, the
/// discovery timeouts, fragment reassembly, and a source that waits for a Chrome that never comes.
@Suite("Chrome discovery and source lifecycle")
struct ChromeDiscoveryTests {
    @Test("--cdp parses HOST:PORT, :PORT, PORT and [IPv6]:PORT; rejects the rest")
    func address() throws {
        #expect(try CDPAddress(parsing: "127.0.0.1:9222") == CDPAddress(host: "127.0.0.1", port: 9222))
        #expect(try CDPAddress(parsing: "localhost:9333") == CDPAddress(host: "localhost", port: 9333))
        #expect(try CDPAddress(parsing: ":9000") == CDPAddress(host: "127.0.0.1", port: 9000))
        #expect(try CDPAddress(parsing: "9001") == CDPAddress(host: "127.0.0.1", port: 9001))
        #expect(try CDPAddress(parsing: "[::1]:9222") == CDPAddress(host: "::1", port: 9222))
        #expect(CDPAddress(host: "::1", port: 9222).description == "[::1]:9222")
        for bad in ["", "host:", "host:0", "host:70000", "host:x", "[::1]9222"] {
            #expect(throws: ChromeError.self, "\(bad)") { try CDPAddress(parsing: bad) }
        }
    }

    static let list = """
        [ {"description":"","id":"SW1","title":"sw","type":"service_worker","url":"https://pocketoption.com/sw.js",
           "webSocketDebuggerUrl":"ws://127.0.0.1:9222/devtools/page/SW1"},
          {"id":"UI","title":"omnibox","type":"browser_ui","url":"chrome://omnibox-popup.top-chrome/"},
          {"id":"A1","title":"News","type":"page","url":"https://example.com/?q=pocketoption",
           "webSocketDebuggerUrl":"ws://127.0.0.1:9222/devtools/page/A1"},
          {"id":"B2","title":"Trading","type":"page","url":"https://PO.market/en/cabinet/demo?session=secret",
           "webSocketDebuggerUrl":"ws://localhost:9222/devtools/page/B2"},
          {"id":"C3","title":"Trading 2","type":"page","url":"https://pocketoption.com/en/cabinet/"} ]
        """

    @Test("/json/list: pages only, case-insensitive URL match, first listed wins, debugger path kept or rebuilt")
    func targets() throws {
        let targets = try ChromeTarget.parseList(Array(Self.list.utf8))
        #expect(targets.map(\.id) == ["SW1", "UI", "A1", "B2", "C3"])
        #expect(targets[3].debuggerPath == "/devtools/page/B2")
        #expect(targets[4].debuggerPath == "/devtools/page/C3", "rebuilt when Chrome leaves the URL out")
        let picked = TargetMatcher.pocketOption.pick(targets)
        // A1 mentions pocketoption in its query, so it matches too and is listed first: substring matching is on the whole URL
        #expect(picked?.id == "A1")
        #expect(TargetMatcher(patterns: ["po.market"]).pick(targets)?.id == "B2")
        #expect(
            TargetMatcher(patterns: ["pocketoption.com"]).pick(targets)?.id == "C3", "the service worker is not a page")
        #expect(TargetMatcher(patterns: ["nowhere"]).pick(targets) == nil)
        #expect(TargetMatcher(patterns: []).pick(targets)?.id == "A1")
        #expect(ChromeSource.displayURL(targets[3].url) == "https://PO.market/en/cabinet/demo")
        #expect(throws: ChromeError.self) { try ChromeTarget.parseList(Array("{\"not\":\"a list\"}".utf8)) }
        #expect(throws: ChromeError.self) { try ChromeTarget.parseList(Array("<html>".utf8)) }
    }

    @Test("no Chrome: a refused port fails at once with .connect")
    func refused() throws {
        let port = freeLocalPort()
        let start = Date()
        do {
            _ = try TargetDiscovery.list(at: CDPAddress(host: "127.0.0.1", port: port))
            Issue.record("a closed port answered")
        } catch {
            #expect(error.code == .connect)
        }
        #expect(Date().timeIntervalSince(start) < 1)
    }

    @Test("a port that accepts but never answers times out with .http")
    func silent() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(fd, 4)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: sa.sin_port))
        let start = Date()
        do {
            _ = try TargetDiscovery.list(at: CDPAddress(host: "127.0.0.1", port: port), connectTimeout: 1, timeout: 0.5)
            Issue.record("a silent port answered")
        } catch {
            #expect(error.code == .http)
        }
        let took = Date().timeIntervalSince(start)
        #expect(took >= 0.4 && took < 2, "took \(took) s")
    }

    @Test("fragments reassemble into one padded message; the buffer grows past 16 MB and is reused")
    func reassembly() {
        var buffer = MessageBuffer(initialCapacity: 4096)
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        var expected = 0
        for i in 0..<170 {
            piece.withUnsafeBytes { buffer.append($0.baseAddress!, i == 169 ? 1234 : $0.count) }
            expected += i == 169 ? 1234 : piece.count
        }
        let (bytes, readable) = buffer.message
        #expect(bytes.count == expected && expected > 16_000_000)
        #expect(readable >= bytes.count + 64)
        #expect(bytes.allSatisfy { $0 == UInt8(ascii: "x") })
        let capacity = buffer.capacity
        buffer.reset()
        Array("{\"method\":\"x\"}".utf8).withUnsafeBytes { buffer.append($0.baseAddress!, $0.count) }
        #expect(buffer.count == 14 && buffer.capacity == capacity)
        #expect(String(decoding: buffer.message.bytes, as: UTF8.self) == "{\"method\":\"x\"}")
    }

    @Test("without Chrome the source keeps looking, reports nothing as connected, and stops at once")
    func waitsForChrome() throws {
        var pc = PipelineConfiguration()
        pc.backpressure = .drop
        let pipeline = try MarketPipeline(configuration: pc, logger: Logger(label: "test"))
        let feeder = try pipeline.makeFeeder()
        var config = ChromeSource.Configuration()
        config.address = CDPAddress(host: "127.0.0.1", port: freeLocalPort())
        config.pollInterval = 0.1
        let source = ChromeSource(configuration: config, logger: Logger(label: "test"))
        let events = RecordedEvents()
        try source.start(feeder: feeder, events: events)
        #expect(waitUntil(5) { source.stats.polls >= 3 })
        #expect(!source.stats.connected && source.attachedTarget == nil)
        #expect(events.all.isEmpty, "\(events.all)")
        #expect(source.metricsText().contains("qflux_chrome_connected 0\n"))
        #expect(throws: ChromeError.self) { try source.start(feeder: feeder, events: nil) }

        // a long poll interval does not delay stop()
        var slow = config
        slow.pollInterval = 30
        let idle = ChromeSource(configuration: slow, logger: Logger(label: "test"))
        let feeder2 = try MarketPipeline(configuration: pc, logger: Logger(label: "test")).makeFeeder()
        try idle.start(feeder: feeder2, events: nil)
        #expect(waitUntil(5) { idle.stats.polls >= 1 })
        let start = Date()
        idle.stop()
        source.stop()
        source.stop()
        #expect(Date().timeIntervalSince(start) < 1.5)
    }
}

/// Source events, recorded.
final class RecordedEvents: LiveSourceEvents {
    private let events = Mutex<[String]>([])
    var all: [String] { events.withLock { $0 } }
    func sourceStatusChanged(connected: Bool) {
        events.withLock { $0.append(connected ? "connected" : "not connected") }
    }
    func sourceError(_ message: String) { events.withLock { $0.append("error: \(message)") } }
}
