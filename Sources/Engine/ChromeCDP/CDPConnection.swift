import CLibWebSockets
import Foundation
import LibWebSockets
import Logging
import MarketSource
import Synchronization

/// One DevTools WebSocket to one page target, on libwebsockets' client (its own context, no
/// listening port, no Origin header so Chrome needs no `--remote-allow-origins`). Sends
/// `Network.enable` once the handshake is done and feeds every event message, whole and exactly
/// as received, to the pipeline's decoder on the thread that services it.
///
/// Threads: not `Sendable` – created, opened, serviced (``serviceOnce()``), closed and freed on
/// the Chrome source thread, which owns its ``LWSContext`` (no service thread; the context checks
/// its owner in debug builds when the callbacks enter). Other threads get only ``waker``.
final class CDPConnection {
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
    private var context: LWSContext?
    private var buffer = MessageBuffer()
    private var oversize = false
    private var enableSent = false
    private var enableTimeout = 3.0

    /// The `Network.enable` command (id 1).
    private static let enableCommand = Array(#"{"id":1,"method":"Network.enable","params":{}}"#.utf8)

    init(feeder: any FrameFeeder, stats: ChromeStatistics, maxMessageBytes: Int, logger: Logger) {
        self.feeder = feeder
        self.stats = stats
        self.maxMessageBytes = maxMessageBytes
        self.logger = logger
    }

    deinit { close() }

    /// Creates the client context and starts connecting to `ws://address:port/path`.
    func open(
        address: String, port: Int, path: String, rxBufferSize: Int,
        connectTimeout: Double, timeout: Double
    ) throws(ChromeError) {
        enableTimeout = timeout
        var description = LWSContextDescription(
            role: .client,
            protocols: [
                LWSProtocol(name: "qflux-cdp", callback: cdpClientCallback, rxBufferSize: rxBufferSize)
            ])
        description.user = Unmanaged.passUnretained(self).toOpaque()  // close() destroys the context first
        description.timeoutSeconds = UInt32(max(1, timeout.rounded(.up)))
        description.connectTimeoutSeconds = UInt32(max(1, connectTimeout.rounded(.up)))
        do throws(LWSError) {
            let context = try LWSContext(description)
            self.context = context
            try context.connect(
                address: address, port: port, path: path, host: TargetDiscovery.hostHeader(address, port))
        } catch {
            switch error.code {
            case .createContext, .listenPort:
                throw ChromeError(code: .webSocket, cause: "lws_create_context failed for the DevTools client")
            case .connect:
                throw ChromeError(code: .webSocket, cause: "cannot start connecting to ws://\(address):\(port)\(path)")
            }
        }
    }

    /// Wakes a blocked ``serviceOnce()`` from any thread; nil before ``open(address:port:path:rxBufferSize:connectTimeout:timeout:)``.
    var waker: LWSWaker? { context?.waker }

    /// Services the connection once (blocks until something happens or the ``waker`` wakes it).
    func serviceOnce() {
        guard let context else { return }
        if !context.service(), !isClosed { phase = .closed("libwebsockets service failed") }
    }

    /// Destroys the context (its last callbacks run here); later wake-ups do nothing. Safe to call twice.
    func close() {
        context?.stop()
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    // MARK: callbacks (service thread)

    func callback(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
        _ input: UnsafeMutableRawPointer?, _ len: Int
    ) -> Int32 {
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
        if bytes.count > stats.largestMessage.load(ordering: .relaxed) {
            stats.largestMessage.store(bytes.count, ordering: .relaxed)
        }
        // Chrome writes "id" first in answers and "method" first in events.
        if bytes.count > 6, bytes[1] == UInt8(ascii: "\""), bytes[2] == UInt8(ascii: "i"), bytes[3] == UInt8(ascii: "d")
        {
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

/// The libwebsockets client callback: finds the ``CDPConnection`` through the context's user
/// pointer (which checks, in debug builds, that it runs on the connection's owner thread).
let cdpClientCallback: LWSCallback = { wsi, reason, user, input, len in
    guard let wsi, let raw = LWSContext.user(of: wsi) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    return Unmanaged<CDPConnection>.fromOpaque(raw).takeUnretainedValue().callback(wsi, reason, user, input, len)
}
