import CLibWebSockets
import Candles
import FastDecode
import Foundation
import LibWebSockets
import Logging
import Ring
import Synchronization
import ThreadSupport

/// qflux's server front: a Socket.IO v4 server on libwebsockets (WebSocket and HTTP long-polling
/// transports, with the upgrade from one to the other), plus the live chart page (`GET /`),
/// `GET /health`, `GET /metrics` and the CSV API (`/api/…`), all on one port.
///
/// Threads: ``start()`` creates the context (an ``LWSContext``) and its network thread, which runs
/// the libwebsockets service loop and owns the ``ServerCore`` (behind a ``ThreadBound``: every
/// entry – libwebsockets callbacks, the ticker, the service turn – checks that it runs there); the
/// publish methods may be called from any one engine thread (they take one lock per batch and wake
/// the network thread once per batch); ``stop()`` from any thread but the network thread.
/// Everything stored here is `Sendable`.
package final class StreamServer: Sendable {
    /// The settings the server was made with.
    package let config: StreamServerConfig
    /// The network thread's state: the creating thread's until ``start()`` hands it to the service
    /// thread, the stopping thread's after ``stop()`` joined it. The C callbacks reach it through
    /// the context's and the ticker's user pointers.
    private let core: ThreadBound<ServerCore>
    /// The hand-over from other threads to the network thread (candles, replies, the stop flag).
    let inbox: ServerInbox
    private let counters: ServerCounters
    /// The running context: nil before ``start()`` and after ``stop()``.
    private let running = Locked<LWSContext?>(nil)

    /// A server that is not yet listening.
    /// - Parameters:
    ///   - config: address, port, limits, token.
    ///   - dataSource: the engine side (history, files, health, metrics).
    ///   - directory: asset names (the engine's directory); clients name assets loosely.
    ///   - initialStatus: the source status shown until ``setSourceStatus(_:)``.
    ///   - logger: where the server logs (connections dropped, slow clients).
    package init(
        config: StreamServerConfig, dataSource: any StreamServerDataSource, directory: AssetDirectory,
        initialStatus: SourceStatus = SourceStatus(kind: .chrome, connected: false), logger: Logger
    ) {
        self.config = config
        let core = ServerCore(
            config: config, dataSource: dataSource, directory: directory,
            status: initialStatus, logger: logger)
        inbox = core.inbox
        counters = core.counters
        self.core = ThreadBound(core)
    }

    deinit { stop() }

    /// The port the server listens on (the one picked when the config said 0); 0 before ``start()``.
    package var boundPort: Int { running.withLock { $0?.listenPort ?? 0 } }

    /// The server's counters now.
    package var stats: StreamServerStats { counters.snapshot(handoffDrops: inbox.candles.dropped) }

    /// The fan-out timings recorded since the last call, one per drained batch of candle updates
    /// (empty unless ``StreamServerConfig/traceFanout``); any thread.
    package func takeFanoutTrace() -> [FanoutTraceSample] { inbox.trace.take() }

    /// Binds and starts the network thread.
    package func start() throws {
        try running.withLock { current in
            guard current == nil else {
                throw StreamServerError(code: .alreadyRunning, cause: "start() called twice")
            }
            var description = LWSContextDescription(
                role: .server(port: config.port, bindAddress: config.bindAddress),
                protocols: [
                    LWSProtocol(
                        name: "qflux-socketio", callback: serverCallback,
                        perSessionDataSize: MemoryLayout<UInt64>.size, rxBufferSize: 16 * 1024)
                ])
            // this thread owns the core until the service thread starts (callbacks while the
            // context is created run here)
            core.claim()
            let userPointer = Unmanaged.passUnretained(core).toOpaque()  // the core outlives the context
            description.user = userPointer
            description.options = config.bindAddress.contains(":") ? [] : .disableIPv6
            // Slowloris: short header deadline, a pool big enough that slow connections from a few
            // addresses cannot starve it (held polls and streams give their buffer back), and
            // the per-address limit in Network/HeaderGuard.swift.
            description.maxHTTPHeaderPool = max(64, config.httpHeaderSlots)
            description.headerTimeoutSeconds = UInt32(max(1, config.headerTimeout))
            description.timeoutSeconds = 10
            let context: LWSContext
            do throws(LWSError) {
                context = try LWSContext(description)
            } catch {
                switch error.code {
                case .listenPort:
                    throw StreamServerError(
                        code: .listenPort, cause: "no listening port for \(config.bindAddress):\(config.port)")
                case .createContext, .connect:
                    throw StreamServerError(
                        code: .createContext,
                        cause: "cannot listen on \(config.bindAddress):\(config.port) (in use or not a local address?)")
                }
            }
            inbox.attach(context.pointer)
            core.withValue { c in
                c.ticker = qf_lws_ticker_create(context.pointer, serverTick, userPointer)
                c.tickerScheduled = false
            }
            let core = self.core
            // the service thread becomes the owner with its first callback (the thread start
            // orders it after this thread's last use)
            core.release()
            // Runs on the network thread after each service turn: watch parked HTTP connections;
            // leave once every client is gone after stop().
            context.startServiceThread(name: "qflux-server") {
                let c = core.value
                return c.afterServiceTurn()
            }
            current = context
        }
    }

    /// Says goodbye to every client (`41`, then a normal close), stops the network thread and frees
    /// the context. Clients that do not close within a second are cut. Safe to call twice.
    package func stop() {
        guard let context = running.withLock({ $0 }) else { return }
        inbox.stopping.store(true, ordering: .releasing)
        let deadline = monotonicNanos() + 1_000_000_000
        repeat {
            inbox.wake()
        } while !context.waitForServiceThread(timeout: 0.02) && monotonicNanos() <= deadline
        inbox.detach()
        context.stop()  // forces the loop out if clients are still there, joins it, destroys the context
        // the context is gone and its service thread joined: nothing can fire the ticker any
        // more, and this thread owns the core now
        core.claim()
        core.withValue { c in
            if let t = c.ticker {
                qf_lws_ticker_free(t)
                c.ticker = nil
            }
        }
        running.withLock { if $0 === context { $0 = nil } }
    }

    /// Whether `/api/csv-data/<name>` passes `name` on to the data source: one plain path
    /// component (no separators, no `..`, no `%`, no control characters, not hidden).
    package static func isSafeCSVFilename(_ name: String) -> Bool { HTTPExchanges.isSafeCSVName(name) }

    // MARK: publishing (engine thread)

    /// Hands a batch of candle updates (the forming candles after ticks, any timeframes) to the
    /// network thread through a lock-free SPSC ring: one publish and one wake-up per call, whatever
    /// the batch size. Call it from one thread only (the engine thread). Updates that find the ring
    /// full are dropped and counted (``StreamServerStats/handoffDrops``).
    package func publish<C: Collection>(_ candles: C) where C.Element == Candle {
        inbox.post(candles: candles)
    }

    /// Sets the source status; clients get `connection_status` when it changes.
    package func setSourceStatus(_ status: SourceStatus) {
        inbox.post(.status(status))
    }

    /// Sends `stream_error {error, timestamp}` to every client.
    package func publishError(_ message: String) {
        inbox.post(.error(message))
    }

    /// The broker chart shows `asset`: sends `asset_detected`, and moves clients that started a
    /// stream without naming an asset to it.
    package func publishAssetDetected(_ asset: AssetID) {
        inbox.post(.assetDetected(asset))
    }
}
