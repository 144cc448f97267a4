import Archive
import CSupport
import ChromeCDP
import Demo
import Engine
import Foundation
import LibWebSockets
import SocketIOServer

/// Many Socket.IO clients in one libwebsockets client context (C speed, one thread), for
/// fan-out figures that measure the server rather than the clients: each connects over the
/// websocket transport, sends `40`, then `start_stream {asset}`, answers pings, and for every
/// `candle_update` records the delay since the wall-clock send time the publisher put in `open`.
///
/// Threads: not `Sendable` – created, run and freed on one thread, which owns the context (no
/// service thread; its callbacks check that in debug builds).
final class NativeFanoutClients {
    private struct Session { var phase: Int32; var pending: Int32 }
    private static let connectFlag: Int32 = 1, startFlag: Int32 = 2, pongFlag: Int32 = 4

    private var context: LWSContext?
    private let startMessage: [UInt8]
    private var scratch: UnsafeMutablePointer<UInt8>
    private let pre = Int(qf_lws_pre())

    /// Clients that completed the Socket.IO connect.
    private(set) var connected = 0
    /// `candle_update` messages received.
    private(set) var received = 0
    /// Sampled send → receive delays in milliseconds.
    private(set) var latenciesMs: [Double] = []
    private var sampleEvery = 1

    init(port: Int, clients: Int, asset: String, sampleEvery: Int) throws {
        self.sampleEvery = max(1, sampleEvery)
        startMessage = Array("42[\"start_stream\",{\"asset\":\"\(asset)\"}]".utf8)
        scratch = .allocate(capacity: 4096)
        latenciesMs.reserveCapacity(1 << 20)
        var description = LWSContextDescription(role: .client, protocols: [
            LWSProtocol(name: "qflux-bench-fanout", callback: nativeFanoutCallback,
                        perSessionDataSize: MemoryLayout<Session>.size, rxBufferSize: 65536),
        ])
        description.user = Unmanaged.passUnretained(self).toOpaque()  // deinit destroys the context first
        description.fdLimitPerThread = clients + 64
        do throws(LWSError) {
            let context = try LWSContext(description)
            self.context = context
            for _ in 0..<clients {
                try context.connect(address: "127.0.0.1", port: port, path: "/socket.io/?EIO=4&transport=websocket",
                                    host: "127.0.0.1:\(port)")
            }
        } catch {
            switch error.code {
            case .createContext, .listenPort: throw BenchError("fan-out clients: lws_create_context failed")
            case .connect: throw BenchError("fan-out clients: connect failed")
            }
        }
    }

    deinit {
        context?.stop()
        scratch.deallocate()
    }

    /// Services the connections until `deadline` (monotonic seconds from `now()`).
    func run(until deadline: Double) {
        guard let context else { return }
        while now() < deadline { context.service() }
    }

    private static let openKey: [UInt8] = Array("\"open\":".utf8)

    /// Offset of `needle` in `bytes`, if present.
    private static func find(_ needle: [UInt8], in bytes: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count >= needle.count else { return nil }
        var i = 0
        while i <= count - needle.count {
            if bytes[i] == needle[0], memcmp(bytes + i, needle, needle.count) == 0 { return i }
            i += 1
        }
        return nil
    }

    fileprivate func callback(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                              _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        let session = user?.assumingMemoryBound(to: Session.self)
        switch reason {
        case LWS_CALLBACK_CLIENT_RECEIVE:
            guard let session, let input, len > 0 else { return 0 }
            let bytes = input.assumingMemoryBound(to: UInt8.self)
            if bytes[0] == UInt8(ascii: "0") {
                session.pointee.pending |= Self.connectFlag
                lws_callback_on_writable(wsi)
            } else if len >= 2, bytes[0] == UInt8(ascii: "4"), bytes[1] == UInt8(ascii: "0") {
                connected += 1
                session.pointee.pending |= Self.startFlag
                lws_callback_on_writable(wsi)
            } else if len == 1, bytes[0] == UInt8(ascii: "2") {
                session.pointee.pending |= Self.pongFlag
                lws_callback_on_writable(wsi)
            } else if len > 20, memcmp(bytes, "42[\"candle_update\"", 18) == 0 {
                received += 1
                if received % sampleEvery == 0, let at = Self.find(Self.openKey, in: bytes, count: len) {
                    let start = bytes + at + Self.openKey.count
                    let n = min(40, bytes + len - start)
                    memcpy(scratch, start, n)
                    scratch[n] = 0
                    let sent = strtod(UnsafeRawPointer(scratch).assumingMemoryBound(to: CChar.self), nil)
                    var ts = timespec()
                    clock_gettime(CLOCK_REALTIME, &ts)
                    let nowWall = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
                    latenciesMs.append((nowWall - sent) * 1000)
                }
            }
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            guard let session else { return 0 }
            let message: [UInt8]
            if session.pointee.pending & Self.connectFlag != 0 {
                session.pointee.pending &= ~Self.connectFlag
                message = Array("40".utf8)
            } else if session.pointee.pending & Self.startFlag != 0 {
                session.pointee.pending &= ~Self.startFlag
                message = startMessage
            } else if session.pointee.pending & Self.pongFlag != 0 {
                session.pointee.pending &= ~Self.pongFlag
                message = Array("3".utf8)
            } else {
                return 0
            }
            message.withUnsafeBytes { m in
                memcpy(scratch + pre, m.baseAddress!, m.count)
                _ = lws_write(wsi, scratch + pre, m.count, LWS_WRITE_TEXT)
            }
            if session.pointee.pending != 0 { lws_callback_on_writable(wsi) }
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, len)
        }
        return 0
    }
}

/// The client callback: reaches the ``NativeFanoutClients`` through the context's user pointer.
private let nativeFanoutCallback: LWSCallback = { wsi, reason, user, input, len in
    guard let wsi, let raw = LWSContext.user(of: wsi) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    return Unmanaged<NativeFanoutClients>.fromOpaque(raw).takeUnretainedValue().callback(wsi, reason, user, input, len)
}
