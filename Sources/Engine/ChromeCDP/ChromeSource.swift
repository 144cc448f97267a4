import Foundation
import LibWebSockets
import Logging
import MarketSource
import Metrics
import Synchronization
import ThreadSupport

/// The live source: the user's own Chrome over the DevTools Protocol.
///
/// A thread of its own asks Chrome for its targets (`GET /json/list`, 1 s connect timeout), attaches
/// to the matching page's DevTools WebSocket (libwebsockets client), sends `Network.enable` and
/// feeds every event message, whole and as received, into the pipeline's decoder – no polling
/// while attached. Without Chrome, or without a matching page, it asks again every
/// ``Configuration/pollInterval`` seconds; when the page is lost (Chrome killed or restarted, tab
/// closed) it reports the disconnect and starts looking again at once. A reload or navigation keeps
/// the same target, so the attachment survives it.
///
/// Several matching tabs: the first matching page in Chrome's `/json/list` order wins (see
/// ``TargetMatcher``); qflux stays on it until it goes away.
///
/// Threads: ``start(feeder:events:)`` spawns the source thread, which owns the ``CDPConnection``
/// (and its libwebsockets context); other threads see only atomics, locks and the connection's
/// waker. Everything stored here is `Sendable`.
package final class ChromeSource: LiveSource {
    /// How the source finds and reads Chrome.
    package struct Configuration: Sendable {
        /// Chrome's DevTools HTTP/WebSocket endpoint (`--cdp`).
        package var address = CDPAddress()
        /// Which page to attach to (`--target`).
        package var matcher = TargetMatcher.pocketOption
        /// Seconds between looks while not attached (`--chrome-poll`).
        package var pollInterval: Double = 5
        /// TCP connect timeout, seconds.
        package var connectTimeout: Double = 1
        /// Seconds allowed for the `/json/list` answer and for the WebSocket handshake + Network.enable.
        package var requestTimeout: Double = 3
        /// libwebsockets receive chunk size; messages larger than this arrive in pieces and are reassembled.
        package var rxBufferSize = 256 << 10
        /// Messages above this are dropped and counted (Chrome sends 16 MB and more for big frames).
        package var maxMessageBytes = 512 << 20

        /// The defaults: 127.0.0.1:9222, PocketOption pages, every 5 s.
        package init() {}
    }

    /// The settings.
    package let configuration: Configuration
    private let logger: Logger
    private let statistics = ChromeStatistics()
    private let stopping = Atomic<Bool>(false)
    private let wakeUp = DispatchSemaphore(value: 0)
    /// Wakes the connection the source thread is servicing, if any.
    private let current = Locked<LWSWaker?>(nil)
    private let running = Locked<DispatchSemaphore?>(nil)
    private let attached = Locked<ChromeTarget?>(nil)
    /// The waiting state last logged (source thread only; a lock because the class is `Sendable`).
    private let lastNote = Locked("")

    /// A source that does nothing until ``start(feeder:events:)``.
    package init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { stop() }

    /// ``SourceKind/chrome``.
    package var kind: SourceKind { .chrome }

    /// Counters (any thread).
    package var stats: ChromeSourceStats { statistics.snapshot }

    /// The page attached now, if any (any thread).
    package var attachedTarget: ChromeTarget? { attached.withLock { $0 } }

    /// Starts the source thread.
    package func start(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) throws {
        let done = DispatchSemaphore(value: 0)
        try running.withLock { r in
            guard r == nil else { throw ChromeError(code: .webSocket, cause: "ChromeSource.start called twice") }
            r = done
        }
        let thread = Thread { [self] in
            run(feeder: feeder, events: events)
            done.signal()
        }
        thread.name = "qflux-chrome"
        thread.start()
    }

    /// Stops: closes the DevTools connection, ends the thread and waits for it.
    package func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wakeUp.signal()
        current.withLock { $0?.wake() }  // after `stopping`: a connection registered later sees the flag
        guard let done = running.withLock({ $0 }) else { return }
        done.wait()
        done.signal()  // a second stop() returns too
    }

    /// Prometheus lines: messages, bytes, largest message, attaches, detaches, connected.
    package func metricsText() -> String {
        let s = stats
        var out = PrometheusText()
        out.add("qflux_chrome_connected", .gauge, "1 while attached to a matching page.", s.connected ? 1 : 0)
        out.add("qflux_chrome_messages_total", .counter, "DevTools messages received.", s.messages)
        out.add("qflux_chrome_bytes_total", .counter, "DevTools message bytes received.", s.bytes)
        out.add("qflux_chrome_largest_message_bytes", .gauge, "Largest DevTools message received.", s.largestMessage)
        out.add("qflux_chrome_oversize_total", .counter, "DevTools messages dropped for size.", s.oversize)
        out.add("qflux_chrome_attaches_total", .counter, "Pages attached.", s.attaches)
        out.add("qflux_chrome_detaches_total", .counter, "Attached pages lost.", s.detaches)
        return out.text
    }

    // MARK: the source thread

    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func run(feeder: any FrameFeeder, events: (any LiveSourceEvents)?) {
        let address = configuration.address
        let matcher = configuration.matcher
        while !isStopping {
            statistics.polls.add(1, ordering: .relaxed)
            let listing: (targets: [ChromeTarget], numericHost: String)
            do {
                listing = try TargetDiscovery.list(
                    at: address, connectTimeout: configuration.connectTimeout,
                    timeout: configuration.requestTimeout)
            } catch {
                note(
                    "Chrome is not reachable at \(address) (\(error.cause)); checking every \(seconds(configuration.pollInterval)). "
                        + "Start it with --remote-debugging-port=\(address.port) --user-data-dir=<a separate profile dir>"
                )
                pause(configuration.pollInterval)
                continue
            }
            guard let target = matcher.pick(listing.targets) else {
                let pages = listing.targets.filter { $0.type == "page" }.count
                note(
                    "Chrome runs at \(address) but no page matches \(matcher.summary) (\(pages) page\(pages == 1 ? "" : "s") open); "
                        + "checking every \(seconds(configuration.pollInterval))")
                pause(configuration.pollInterval)
                continue
            }
            attach(target, numericHost: listing.numericHost, feeder: feeder, events: events)
        }
    }

    /// Attaches to one page and services it until it is lost or the source stops.
    private func attach(
        _ target: ChromeTarget, numericHost: String, feeder: any FrameFeeder, events: (any LiveSourceEvents)?
    ) {
        let connection = CDPConnection(
            feeder: feeder, stats: statistics, maxMessageBytes: configuration.maxMessageBytes,
            logger: logger)
        defer {
            current.withLock { $0 = nil }
            connection.close()  // destroyed here, on its owner thread
        }
        let page = Self.displayURL(target.url)
        do {
            try connection.open(
                address: numericHost, port: configuration.address.port, path: target.debuggerPath,
                rxBufferSize: configuration.rxBufferSize, connectTimeout: configuration.connectTimeout,
                timeout: configuration.requestTimeout)
            current.withLock { $0 = connection.waker }
        } catch {
            note("cannot attach to \(page): \(error.cause)")
            pause(configuration.pollInterval)
            return
        }
        let deadline = Date().addingTimeInterval(configuration.requestTimeout)
        while !isStopping, !connection.isClosed, connection.phase != .attached {
            connection.serviceOnce()
            if Date() > deadline, connection.phase != .attached {
                note(
                    "cannot attach to \(page): no answer to Network.enable within \(seconds(configuration.requestTimeout))"
                )
                pause(configuration.pollInterval)
                return
            }
        }
        if isStopping { return }
        if case .closed(let why) = connection.phase {
            note("cannot attach to \(page): \(why)")
            pause(configuration.pollInterval)
            return
        }
        statistics.attaches.add(1, ordering: .relaxed)
        attached.withLock { $0 = target }
        statistics.connected.store(true, ordering: .releasing)
        lastNote.withLock { $0 = "" }
        logger.info(
            "Chrome: attached to \(page) (\(target.title.isEmpty ? "untitled" : target.title)) at \(configuration.address)"
        )
        events?.sourceStatusChanged(connected: true)

        while !isStopping, !connection.isClosed { connection.serviceOnce() }

        statistics.connected.store(false, ordering: .releasing)
        attached.withLock { $0 = nil }
        if isStopping { return }
        statistics.detaches.add(1, ordering: .relaxed)
        var why = "connection lost"
        if case .closed(let reason) = connection.phase { why = reason }
        logger.warning("Chrome disconnected from \(page): \(why); looking for the page again")
        events?.sourceError("Chrome disconnected: \(why)")
        events?.sourceStatusChanged(connected: false)
    }

    /// Logs a waiting state once (not again while it stays the same).
    private func note(_ message: String) {
        let repeated = lastNote.withLock { last in
            defer { last = message }
            return last == message
        }
        guard !repeated else { return }
        logger.notice("\(message)")
    }

    /// Waits `interval` seconds or until ``stop()``.
    private func pause(_ interval: Double) {
        guard !isStopping else { return }
        _ = wakeUp.wait(timeout: .now() + .milliseconds(Int(max(0.01, interval) * 1000)))
    }

    private func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    /// Scheme, host and path of a page URL: queries and fragments may carry session data.
    static func displayURL(_ url: String) -> String {
        var end = url.endIndex
        if let q = url.firstIndex(where: { $0 == "?" || $0 == "#" }) { end = q }
        return String(url[..<end])
    }
}
