internal import CLibWebSockets
import Foundation
import Synchronization
import ThreadSupport

/// The owner of one libwebsockets context: builds it from an ``LWSContextDescription``, keeps the
/// `lws_protocols` array and every C string it was given alive until it is destroyed, runs its
/// service loop (on a dedicated thread, or through ``service(timeoutMilliseconds:)`` for a
/// caller that drives it), and destroys it exactly once.
///
/// Threads – one thread at a time owns the context and the state its callbacks reach (checked in
/// debug builds at ``user(of:file:line:)``, ``service(timeoutMilliseconds:)`` and
/// ``connect(address:port:path:host:protocolIndex:)``):
/// - the thread that creates it, until ``startServiceThread(name:while:)``;
/// - then the service thread;
/// - after ``stop()`` joined the service thread, the thread that called ``stop()`` (libwebsockets
///   runs the last close callbacks inside `lws_context_destroy`, on that thread).
///
/// A context without a service thread stays with the thread that created it: that thread services
/// it, connects through it and stops it. ``cancelService()`` (and an ``LWSWaker``) may be used from
/// any thread, before and after ``stop()``.
package final class LWSContext: Sendable {
    /// The port a server context listens on (the one picked when the description said 0); 0 for a client context.
    package let listenPort: Int
    private let box: UserBox
    private let loop: ServiceLoop
    /// The protocols array and the C strings: written by the owner thread only (creation, connect),
    /// freed with the context object, which happens after `lws_context_destroy`.
    nonisolated(unsafe) private let storage: CStorage
    private let state = Locked(State())

    private struct State {
        var phase = Phase.live
        var threadStarted = false
    }

    private enum Phase {
        /// Created; may be serviced and woken.
        case live
        /// ``stop()`` asked the service loop to end; may still be woken.
        case stopping
        /// `lws_context_destroy` called or under way: nothing may touch the C context.
        case destroyed
    }

    /// Creates the context (silencing the library's log first, unless `QF_LWS_LOG` is set).
    /// Callbacks may run inside this call, on this thread.
    /// - Throws: ``LWSError`` with code `createContext` when `lws_create_context` fails, `listenPort`
    ///   when a server context has no port to read back or no socket listening on it.
    package init(_ description: LWSContextDescription) throws(LWSError) {
        let box = UserBox(user: description.user)
        let storage = CStorage(protocolCount: description.protocols.count)
        for (i, p) in description.protocols.enumerated() {
            storage.protocols[i].name = storage.keep(p.name)
            storage.protocols[i].callback = p.callback
            storage.protocols[i].per_session_data_size = p.perSessionDataSize
            storage.protocols[i].rx_buffer_size = p.rxBufferSize
        }
        var info = lws_context_creation_info()
        var what = "client context"
        switch description.role {
        case .server(let port, let bindAddress):
            info.port = Int32(port)
            info.iface = bindAddress.map { storage.keep($0) }
            what = "listening on \(bindAddress ?? "*"):\(port)"
        case .client:
            info.port = CONTEXT_PORT_NO_LISTEN
        }
        info.protocols = UnsafePointer(storage.protocols)
        info.gid = -1
        info.uid = -1
        info.user = Unmanaged.passUnretained(box).toOpaque()
        info.options = description.options.rawValue
        if let t = description.timeoutSeconds { info.timeout_secs = t }
        if let t = description.connectTimeoutSeconds { info.connect_timeout_secs = t }
        if let n = description.maxHTTPHeaderPool { info.max_http_header_pool = UInt16(clamping: n) }
        if let t = description.headerTimeoutSeconds { info.timeout_secs_ah_idle = t }
        if let n = description.fdLimitPerThread { info.fd_limit_per_thread = UInt32(clamping: n) }
        // Stored before creating: the box and the strings must be alive while callbacks run inside
        // lws_create_context (and inside the destroy below).
        self.box = box
        self.storage = storage
        // silent; QF_LWS_LOG=<libwebsockets LLL_ bit mask, e.g. 255> sends its own log to stderr (debugging)
        lws_set_log_level(ProcessInfo.processInfo.environment["QF_LWS_LOG"].flatMap { Int32($0) } ?? 0, nil)
        guard let context = lws_create_context(&info) else {
            throw LWSError(code: .createContext, message: "lws_create_context failed (\(what))")
        }
        var port = 0
        if case .server = description.role {
            port = Int(lws_get_vhost_listen_port(lws_get_vhost_by_name(context, "default")))
            guard port > 0 else {
                lws_context_destroy(context)
                throw LWSError(code: .listenPort, message: "no listening port (\(what))")
            }
            // A bind that failed on a given address is not an error to libwebsockets (it retries,
            // as for an interface not up yet): check that the socket exists.
            guard LWSListenCheck.processListens(onPort: port) else {
                lws_context_destroy(context)
                throw LWSError(code: .listenPort, message: "nothing listens (\(what))")
            }
        }
        listenPort = port
        loop = ServiceLoop(context: context, box: box)
    }

    deinit { stop() }

    /// The C context, for libwebsockets calls this type does not wrap. Valid until ``stop()``;
    /// only the owner thread may use it, except for `lws_cancel_service`.
    package var pointer: OpaquePointer { loop.context }

    /// A handle that wakes this context's service from any thread (and can do nothing else).
    package var waker: LWSWaker { LWSWaker(context: self) }

    /// The `user` pointer of the description of the context `wsi` belongs to – how a C callback
    /// finds its Swift owner. Checks (debug builds) that the caller is the context's owner thread.
    /// Only for contexts made by ``LWSContext``.
    package static func user(of wsi: OpaquePointer, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutableRawPointer?
    {
        guard let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return nil }
        return Unmanaged<UserBox>.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            box.owner.assertOwner(file: file, line: line)
            return box.user
        }
    }

    // MARK: service

    /// Runs `lws_service` on a new thread named `name` until ``stop()``, until `lws_service` fails,
    /// or until `keepRunning` (called on the service thread after each turn) returns false. The
    /// service thread owns the context from its start. Call it once, from the owner thread.
    package func startServiceThread(name: String, while keepRunning: @escaping @Sendable () -> Bool = { true }) {
        box.owner.assertOwner()
        let first = state.withLock { s in
            guard s.phase == .live, !s.threadStarted else { return false }
            s.threadStarted = true
            return true
        }
        precondition(first, "LWSContext: service thread started twice or after stop()")
        let loop = self.loop
        loop.finished.enter()
        let thread = Thread {
            loop.threadID.store(OwnerThreadCheck.currentThread, ordering: .relaxed)
            loop.box.owner.claim()
            while !loop.stopRequested.load(ordering: .acquiring) {
                if lws_service(loop.context, 0) < 0 { break }
                if !keepRunning() { break }
            }
            loop.finished.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Waits up to `seconds` for the service thread to end; true when it has ended (or never ran).
    package func waitForServiceThread(timeout seconds: Double) -> Bool {
        loop.finished.wait(timeout: .now() + .nanoseconds(Int(max(0, seconds) * 1e9))) == .success
    }

    /// Services the context once, blocking until something happens or ``cancelService()`` – for a
    /// context without a service thread, on its owner thread. False once `lws_service` fails or
    /// after ``stop()``.
    @discardableResult
    package func service(timeoutMilliseconds: Int32 = 0) -> Bool {
        box.owner.assertOwner()
        guard !loop.stopRequested.load(ordering: .relaxed) else { return false }
        return lws_service(loop.context, timeoutMilliseconds) >= 0
    }

    /// Makes a blocked `lws_service` return and run `LWS_CALLBACK_EVENT_WAIT_CANCELLED` (any
    /// thread; does nothing once the context is destroyed).
    package func cancelService() {
        let loop = self.loop
        state.withLock { s in
            if s.phase != .destroyed { lws_cancel_service(loop.context) }
        }
    }

    // MARK: clients

    /// Starts a client connection to `ws://address:port/path` with no `Origin` header, using
    /// protocol `protocolIndex` of the description. Owner thread only; the strings stay alive
    /// with the context.
    package func connect(
        address: String, port: Int, path: String, host: String,
        protocolIndex: Int = 0
    ) throws(LWSError) {
        box.owner.assertOwner()
        precondition(protocolIndex < storage.protocolCount, "LWSContext.connect: no protocol \(protocolIndex)")
        var ci = lws_client_connect_info()
        ci.context = loop.context
        ci.address = storage.keep(address)
        ci.port = Int32(port)
        ci.path = storage.keep(path)
        ci.host = storage.keep(host)
        ci.origin = nil
        ci.protocol = nil
        ci.local_protocol_name = storage.protocols[protocolIndex].name
        ci.ietf_version_or_minus_one = -1
        guard lws_client_connect_via_info(&ci) != nil else {
            throw LWSError(code: .connect, message: "cannot start connecting to ws://\(address):\(port)\(path)")
        }
    }

    // MARK: stop

    /// Stops the service thread (sets the stop flag, wakes it until it has ended, joins it) and
    /// destroys the context; the calling thread owns the context while it is destroyed (close
    /// callbacks run on it). Not from the service thread. A context without a service thread is
    /// stopped by its owner thread. The first call does the work; later calls return at once.
    package func stop() {
        let (first, threaded) = state.withLock { s in
            guard s.phase == .live else { return (false, s.threadStarted) }
            s.phase = .stopping
            return (true, s.threadStarted)
        }
        guard first else { return }
        loop.stopRequested.store(true, ordering: .releasing)
        if threaded {
            precondition(
                loop.threadID.load(ordering: .relaxed) != OwnerThreadCheck.currentThread,
                "LWSContext.stop() called on its own service thread")
            // Cancelling is sticky until the next turn; repeat it in case a turn was under way.
            repeat { lws_cancel_service(loop.context) } while !waitForServiceThread(timeout: 0.02)
            box.owner.claim()
        } else {
            box.owner.assertOwner()
        }
        state.withLock { $0.phase = .destroyed }
        lws_context_destroy(loop.context)
    }
}

/// Wakes one context's service from any thread – what a context's owner hands to other threads
/// instead of the context or its pointer. Does nothing once the context is stopped.
package struct LWSWaker: Sendable {
    let context: LWSContext

    /// `lws_cancel_service` on the context (if it still exists).
    package func wake() { context.cancelService() }
}

/// What `info.user` points to: the caller's user pointer and the owner check.
final class UserBox: Sendable {
    /// The description's `user` pointer, handed back unchanged.
    nonisolated(unsafe) let user: UnsafeMutableRawPointer?
    /// Which thread may run the context's callbacks now.
    let owner = OwnerThreadCheck()

    init(user: UnsafeMutableRawPointer?) { self.user = user }
}

/// What the service thread needs: the C context, the stop flag and a join point.
final class ServiceLoop: Sendable {
    /// Valid until `lws_context_destroy`, which ``LWSContext/stop()`` calls only after this loop ended.
    nonisolated(unsafe) let context: OpaquePointer
    let box: UserBox
    let stopRequested = Atomic<Bool>(false)
    let threadID = Atomic<UInt>(0)
    /// Entered before the service thread starts, left as its last step: the join.
    let finished = DispatchGroup()

    init(context: OpaquePointer, box: UserBox) {
        self.context = context
        self.box = box
    }
}

/// The `lws_protocols` array (with its all-zero terminator) and the C strings handed to
/// libwebsockets. Freed when the owning ``LWSContext`` is freed, after the context is destroyed.
final class CStorage {
    let protocols: UnsafeMutablePointer<lws_protocols>
    let protocolCount: Int
    private var strings: [String: UnsafeMutablePointer<CChar>] = [:]

    init(protocolCount: Int) {
        self.protocolCount = protocolCount
        protocols = .allocate(capacity: protocolCount + 1)
        protocols.initialize(repeating: lws_protocols(), count: protocolCount + 1)
    }

    deinit {
        protocols.deinitialize(count: protocolCount + 1)
        protocols.deallocate()
        for p in strings.values { free(p) }
    }

    /// A NUL-terminated copy of `s` that lives as long as this storage (one per distinct string).
    func keep(_ s: String) -> UnsafePointer<CChar> {
        if let p = strings[s] { return UnsafePointer(p) }
        let p = strdup(s)!
        strings[s] = p
        return UnsafePointer(p)
    }
}
