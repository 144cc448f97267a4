import CSupport
import Candles
import FastDecode
import Foundation
import Logging
import Synchronization

/// qflux's server front: a Socket.IO v4 (WebSocket transport) server on libwebsockets, plus the live
/// chart page (`GET /`), `GET /health` and `GET /metrics`, all on one port.
///
/// Threads: ``start()`` spawns a network thread that runs the libwebsockets service loop; the
/// publish methods may be called from any one engine thread (they take one lock per batch and wake
/// the network thread once per batch); ``stop()`` from any thread.
package final class StreamServer: @unchecked Sendable {
    /// The settings the server was made with.
    package let config: StreamServerConfig
    private let core: ServerCore
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        var context: OpaquePointer?
        var protocols: UnsafeMutablePointer<lws_protocols>?
        var strings: [UnsafeMutablePointer<CChar>] = []
        var thread: Thread?
        var done: DispatchSemaphore?
        var port = 0
    }

    /// A server that is not yet listening.
    /// - Parameters:
    ///   - config: address, port, limits, token.
    ///   - dataSource: the engine side (history, files, health, metrics).
    ///   - directory: asset names (the engine's directory); clients name assets loosely.
    ///   - initialStatus: the source status shown until ``setSourceStatus(_:)``.
    ///   - logger: where the server logs (connections dropped, slow clients).
    package init(config: StreamServerConfig, dataSource: any StreamServerDataSource, directory: AssetDirectory,
                initialStatus: SourceStatus = SourceStatus(kind: .chrome, connected: false), logger: Logger) {
        self.config = config
        core = ServerCore(config: config, dataSource: dataSource, directory: directory,
                          status: initialStatus, logger: logger)
    }

    deinit { stop() }

    /// The port the server listens on (the one picked when the config said 0); 0 before ``start()``.
    package var boundPort: Int { lifecycle.withLock { $0.port } }

    /// The server's counters now.
    package var stats: StreamServerStats { core.stats() }

    /// Binds and starts the network thread.
    package func start() throws {
        try lifecycle.withLock { life in
            guard life.context == nil else {
                throw StreamServerError(code: .alreadyRunning, cause: "start() called twice")
            }
            let name = strdup("qflux-socketio")!
            let iface = strdup(config.bindAddress)!
            let protocols = UnsafeMutablePointer<lws_protocols>.allocate(capacity: 2)
            protocols.initialize(repeating: lws_protocols(), count: 2)
            protocols[0].name = UnsafePointer(name)
            protocols[0].callback = serverCallback
            protocols[0].per_session_data_size = MemoryLayout<UInt64>.size
            protocols[0].rx_buffer_size = 16 * 1024

            var info = lws_context_creation_info()
            info.port = Int32(config.port)
            info.iface = UnsafePointer(iface)
            info.protocols = UnsafePointer(protocols)
            info.gid = -1
            info.uid = -1
            info.user = Unmanaged.passUnretained(core).toOpaque()
            info.options = config.bindAddress.contains(":") ? 0 : qf_lws_option_disable_ipv6()
            info.max_http_header_pool = 64
            info.timeout_secs = 10
            lws_set_log_level(0, nil)
            guard let context = lws_create_context(&info) else {
                free(name); free(iface)
                protocols.deinitialize(count: 2); protocols.deallocate()
                throw StreamServerError(code: .createContext,
                                        cause: "cannot listen on \(config.bindAddress):\(config.port) (in use or not a local address?)")
            }
            let port = Int(lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")))
            guard port > 0 else {
                lws_context_destroy(context)
                free(name); free(iface)
                protocols.deinitialize(count: 2); protocols.deallocate()
                throw StreamServerError(code: .listenPort, cause: "no listening port for \(config.bindAddress):\(config.port)")
            }
            life.context = context
            life.protocols = protocols
            life.strings = [name, iface]
            life.port = port
            core.inbox.attach(context)

            let done = DispatchSemaphore(value: 0)
            let handle = ContextHandle(pointer: context)

            let core = self.core
            let thread = Thread {
                while true {
                    if lws_service(handle.pointer, 0) < 0 { break }
                    if core.forceExit.load(ordering: .acquiring) { break }
                    if core.stopping.load(ordering: .acquiring), core.closingAll, core.sessions.isEmpty { break }
                }
                done.signal()
            }
            thread.name = "qflux-server"
            life.thread = thread
            life.done = done
            thread.start()
        }
    }

    /// Says goodbye to every client (`41`, then a normal close), stops the network thread and frees
    /// the context. Clients that do not close within a second are cut. Safe to call twice.
    package func stop() {
        let (context, done) = lifecycle.withLock { ($0.context, $0.done) }
        guard let context, let done else { return }
        core.stopping.store(true, ordering: .releasing)
        let deadline = monotonicNanos() + 1_000_000_000
        var finished = false
        while !finished {
            core.inbox.wake()
            finished = done.wait(timeout: .now() + .milliseconds(20)) == .success
            if !finished, monotonicNanos() > deadline {
                // force the loop out: pretend every client is gone
                forceExit(context: context, done: done)
                finished = true
            }
        }
        core.inbox.detach()
        lifecycle.withLock { life in
            lws_context_destroy(context)
            life.protocols?.deinitialize(count: 2)
            life.protocols?.deallocate()
            for s in life.strings { free(s) }
            life = Lifecycle()
        }
    }

    private func forceExit(context: OpaquePointer, done: DispatchSemaphore) {
        core.forceExit.store(true, ordering: .releasing)
        while done.wait(timeout: .now() + .milliseconds(20)) != .success { lws_cancel_service(context) }
    }

    /// A libwebsockets context pointer handed to the network thread.
    private struct ContextHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    // MARK: publishing (engine thread)

    /// Hands a batch of candle updates (the forming candles after ticks, any timeframes) to the
    /// network thread through a lock-free SPSC ring: one publish and one wake-up per call, whatever
    /// the batch size. Call it from one thread only (the engine thread). Updates that find the ring
    /// full are dropped and counted (``StreamServerStats/handoffDrops``).
    package func publish<C: Collection>(_ candles: C) where C.Element == Candle {
        core.inbox.post(candles: candles)
    }

    /// Sets the source status; clients get `connection_status` when it changes.
    package func setSourceStatus(_ status: SourceStatus) {
        core.inbox.post(.status(status))
    }

    /// Sends `stream_error {error, timestamp}` to every client.
    package func publishError(_ message: String) {
        core.inbox.post(.error(message))
    }

    /// The broker chart shows `asset`: sends `asset_detected`, and moves clients that started a
    /// stream without naming an asset to it.
    package func publishAssetDetected(_ asset: AssetID) {
        core.inbox.post(.assetDetected(asset))
    }
}
