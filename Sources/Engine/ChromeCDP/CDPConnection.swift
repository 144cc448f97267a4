import MarketSource
import CSupport
import Foundation
import Logging
import Synchronization

/// One DevTools WebSocket to one page target, on libwebsockets' client (its own context, no
/// listening port, no Origin header so Chrome needs no `--remote-allow-origins`). Sends
/// `Network.enable` once the handshake is done and feeds every event message, whole and exactly
/// as received, to the pipeline's decoder on the thread that services it.
///
/// Threads: created, serviced (``serviceOnce()``) and destroyed on one thread; ``wake()`` may be
/// called from any thread.
final class CDPConnection: @unchecked Sendable {  // only wake() crosses threads
    /// Where the connection is.
    enum Phase: Equatable {
        /// TCP connect and WebSocket handshake under way.
        case connecting
        /// Handshake done; waiting for the answer to Network.enable.
        case enabling
        /// Network events flow.
        case attached
        /// Closed (by Chrome, by an error, or by us); the reason is for the log and clients.
        case closed(String)
    }

    private(set) var phase: Phase = .connecting
    private let feeder: any FrameFeeder
    private let stats: ChromeStatistics
    private let logger: Logger
    private let maxMessageBytes: Int
    private var context: OpaquePointer?
    private var protocols: UnsafeMutablePointer<lws_protocols>?
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var buffer = MessageBuffer()
    private var oversize = false
    private var enableSent = false
    private let wakeLock = Mutex<ContextPointer?>(nil)
    private var enableTimeout = 3.0

    /// The `Network.enable` command (id 1).
    private static let enableCommand = Array(#"{"id":1,"method":"Network.enable","params":{}}"#.utf8)

    init(feeder: any FrameFeeder, stats: ChromeStatistics, maxMessageBytes: Int, logger: Logger) {
        self.feeder = feeder
        self.stats = stats
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    deinit {
        wakeLock.withLock { $0 = nil }
        if let context { lws_context_destroy(context) }
        protocols?.deinitialize(count: 2)
        protocols?.deallocate()
        for s in strings { free(s) }
    }

    /// Creates the client context and starts connecting to `ws://address:port/path`.
    func open(address: String, port: Int, path: String, rxBufferSize: Int,
              connectTimeout: Double, timeout: Double) throws(ChromeError) {
        func keep(_ s: String) -> UnsafePointer<CChar> {
            let p = strdup(s)!
            strings.append(p)
            return UnsafePointer(p)
        }
        let protocols = UnsafeMutablePointer<lws_protocols>.allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = keep("qflux-cdp")
        protocols[0].callback = cdpClientCallback
        protocols[0].rx_buffer_size = rxBufferSize
        self.protocols = protocols
        enableTimeout = timeout

        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        info.user = Unmanaged.passUnretained(self).toOpaque()
        info.timeout_secs = UInt32(max(1, timeout.rounded(.up)))
        info.connect_timeout_secs = UInt32(max(1, connectTimeout.rounded(.up)))
        lws_set_log_level(0, nil)
        guard let context = lws_create_context(&info) else {
            throw ChromeError(code: .webSocket, cause: "lws_create_context failed for the DevTools client")
        }
        self.context = context
        wakeLock.withLock { $0 = ContextPointer(pointer: context) }

        var ci = lws_client_connect_info()
        ci.context = context
        ci.address = keep(address)
        ci.port = Int32(port)
        ci.path = keep(path)
        ci.host = keep(TargetDiscovery.hostHeader(address, port))
        ci.origin = nil
        ci.protocol = nil
        ci.local_protocol_name = protocols[0].name
        ci.ietf_version_or_minus_one = -1
        guard lws_client_connect_via_info(&ci) != nil else {
            throw ChromeError(code: .webSocket, cause: "cannot start connecting to ws://\(address):\(port)\(path)")
        }
    }

    /// Services the connection once (blocks until something happens or ``wake()``).
    func serviceOnce() {
        guard let context else { return }
        if lws_service(context, 0) < 0, !isClosed { phase = .closed("libwebsockets service failed") }
    }

    /// Makes a blocked ``serviceOnce()`` return (any thread).
    func wake() {
        wakeLock.withLock { context in
            if let context { lws_cancel_service(context.pointer) }
        }
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    // MARK: callbacks (service thread)

    func callback(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                  _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        switch reason {
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            phase = .enabling
            lws_callback_on_writable(wsi)
            lws_set_timer_usecs(wsi, lws_usec_t(enableTimeout * 1_000_000))
            return 0
        case LWS_CALLBACK_TIMER:
            guard phase == .enabling else { return 0 }
            phase = .closed("no answer to Network.enable within \(enableTimeout) s")
            return -1
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            guard !enableSent else { return 0 }
            enableSent = true
            return sendEnable(wsi) ? 0 : -1
        case LWS_CALLBACK_CLIENT_RECEIVE:
            return receive(wsi, input, len)
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let why = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown error"
            phase = .closed("DevTools WebSocket failed: \(why)")
            return 0
        case LWS_CALLBACK_CLIENT_CLOSED:
            if !isClosed { phase = .closed("Chrome closed the DevTools connection") }
            return 0
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            if !isClosed { phase = .closed("Chrome closed the DevTools connection") }
            return 0
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, len)
        }
    }

    private func sendEnable(_ wsi: OpaquePointer) -> Bool {
        let pre = Int(qf_lws_pre())
        var frame = [UInt8](repeating: 0, count: pre + Self.enableCommand.count)
        frame.replaceSubrange(pre..., with: Self.enableCommand)
        let n = frame.withUnsafeMutableBufferPointer { p in
            lws_write(wsi, p.baseAddress! + pre, Self.enableCommand.count, LWS_WRITE_TEXT)
        }
        if n < Self.enableCommand.count {
            phase = .closed("cannot send Network.enable")
            return false
        }
        return true
    }

    private func receive(_ wsi: OpaquePointer, _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        if let input, len > 0, !oversize {
            if buffer.count + len > maxMessageBytes {
                oversize = true
                buffer.reset()
            } else {
                buffer.append(input, len)
            }
        }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return 0 }
        defer { buffer.reset() }
        if oversize {
            oversize = false
            stats.oversize.add(1, ordering: .relaxed)
            logger.warning("dropped a DevTools message over the size limit", metadata: ["limit": "\(maxMessageBytes)"])
            return 0
        }
        let (bytes, readable) = buffer.message
        stats.messages.add(1, ordering: .relaxed)
        stats.bytes.add(bytes.count, ordering: .relaxed)
        if bytes.count > stats.largestMessage.load(ordering: .relaxed) { stats.largestMessage.store(bytes.count, ordering: .relaxed) }
        // Chrome writes "id" first in answers and "method" first in events.
        if bytes.count > 6, bytes[1] == UInt8(ascii: "\""), bytes[2] == UInt8(ascii: "i"), bytes[3] == UInt8(ascii: "d") {
            return answer(bytes) ? 0 : -1
        }
        if phase == .enabling { phase = .attached }  // events only flow once enabled
        if startsWith(bytes, Self.inspectorPrefix) { inspector(bytes) }
        feeder.feed(line: bytes, readable: readable)
        return 0
    }

    private static let inspectorPrefix = Array(#"{"method":"Inspector."#.utf8)

    private func startsWith(_ bytes: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    /// The answer to a command: only Network.enable (id 1) is ever sent.
    private func answer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        guard let object, object["id"] as? Int == 1 else { return true }
        if let error = object["error"] as? [String: Any] {
            phase = .closed("Chrome refused Network.enable: \(error["message"] as? String ?? "\(error)")")
            return false
        }
        if phase == .enabling { phase = .attached }
        return true
    }

    /// `Inspector.detached` / `Inspector.targetCrashed`: the page is gone for this connection.
    private func inspector(_ bytes: UnsafeRawBufferPointer) {
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        let method = object?["method"] as? String ?? "Inspector"
        let reason = (object?["params"] as? [String: Any])?["reason"] as? String
        logger.info("DevTools: \(method)\(reason.map { " (\($0))" } ?? "")")
    }
}

/// The libwebsockets client callback: finds the ``CDPConnection`` through the context user pointer.
let cdpClientCallback: @convention(c) (OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?,
                                       UnsafeMutableRawPointer?, Int) -> Int32 = { wsi, reason, user, input, len in
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    return Unmanaged<CDPConnection>.fromOpaque(raw).takeUnretainedValue().callback(wsi, reason, user, input, len)
}

/// A libwebsockets context pointer that another thread may wake.
private struct ContextPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
