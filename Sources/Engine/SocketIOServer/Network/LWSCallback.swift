import CLibWebSockets
import Foundation
import LibWebSockets
import Logging
import ThreadSupport

/// The one libwebsockets protocol callback: finds the ``ServerCore`` through the context's user
/// pointer (its ``ThreadBound``) and dispatches. This is where the network thread enters the
/// core's thread-confined state: ``LWSContext/user(of:file:line:)`` checks that it runs on the
/// context's owner thread (release builds too), and the core follows the context
/// (``contextOwnedCore(_:)``). The core is read out of its box, not borrowed `inout` for the call: libwebsockets may
/// call back into this function from inside an lws call the core makes. All raw-pointer work of
/// the server is in this folder:
///
/// - `LWSCallback.swift`: dispatch, connection-level helpers (writes, kills, headers);
/// - `WebSocketTransport.swift`: WebSocket sessions and the upgrade of long-polling ones;
/// - `PollingTransport.swift`: Engine.IO long-polling (`GET`/`POST /socket.io/`);
/// - `HTTPRoutes.swift`: every other HTTP request, asynchronous answers, chunked CSV streams;
/// - `SessionTimers.swift`: pings, deadlines and the ticker of long-polling sessions;
/// - `HeaderGuard.swift`: the per-address limit on connections slow to send their request.
let serverCallback: LWSCallback = { wsi, reason, user, input, len in
    guard let wsi, let raw = LWSContext.user(of: wsi) else {
        return lws_callback_http_dummy(wsi, reason, user, input, len)
    }
    return contextOwnedCore(raw).callback(wsi, reason, user, input, len)
}

/// The core behind a context's user pointer, for a protocol callback that
/// ``LWSContext/user(of:file:line:)`` has just checked to run on the context's owner thread. The
/// core follows its context's ownership: the service thread once it runs, the thread that stopped
/// the server once `LWSContext.stop()` joined the service thread (and destroys the context, whose
/// last callbacks run there). Every other entry (the ticker, the service turn) checks strictly.
func contextOwnedCore(_ raw: UnsafeMutableRawPointer) -> ServerCore {
    let bound = Unmanaged<ThreadBound<ServerCore>>.fromOpaque(raw).takeUnretainedValue()
    if !bound.isOwnedByCurrentThread { bound.claim() }
    return bound.value
}

let lwsPre = Int(qf_lws_pre())

extension ServerCore {
    func callback(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
        _ input: UnsafeMutableRawPointer?, _ len: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            httpRoutes.drainHTTP()
            drain()
            return 0

        // connections
        case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
            // `wsi` is the listening socket here; `input` carries the accepted descriptor
            admitConnection(fd: Int32(truncatingIfNeeded: Int(bitPattern: input)))
            return 0
        case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
            trackHeaders(wsi)
            return 0
        case LWS_CALLBACK_WSI_DESTROY:
            limits.headerGuard.done(wsi)
            if !sessions.readsHeld.isEmpty { sessions.readsHeld.remove(wsi) }
            sessions.pendingUpgrades[wsi] = nil
            if let ex = httpRoutes.exchange(wsi, user) { httpRoutes.exchangeGone(ex) }
            return 0

        // WebSocket
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            limits.headerGuard.done(wsi)
            return webSockets.confirmUpgrade(wsi)
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return webSockets.acceptUpgrade(wsi) ? 0 : 1
        case LWS_CALLBACK_ESTABLISHED:
            return webSockets.established(wsi, user)
        case LWS_CALLBACK_RECEIVE:
            return webSockets.webSocketReceive(wsi, user, input, len)
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return webSockets.webSocketWriteable(wsi, user)
        case LWS_CALLBACK_TIMER:
            if let s = session(user), s.wsi == wsi { pingTimerFired(s) }
            return 0
        case LWS_CALLBACK_CLOSED:
            webSockets.webSocketClosed(wsi, user)
            return 0

        // HTTP
        case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
            // a POST is still arriving until its body is complete
            if qf_lws_method(wsi) != Int32(QF_LWS_METHOD_POST) { limits.headerGuard.done(wsi) }
            return 0
        case LWS_CALLBACK_HTTP:
            return httpRoutes.http(wsi, user, input, len)
        case LWS_CALLBACK_HTTP_BODY:
            return polling.httpBody(wsi, user, input, len)
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            limits.headerGuard.done(wsi)
            return polling.httpBodyComplete(wsi, user)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return httpRoutes.httpWriteable(wsi, user)
        case LWS_CALLBACK_CLOSED_HTTP:
            if let ex = httpRoutes.exchange(wsi, user) { httpRoutes.exchangeGone(ex) }
            return 0
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, len)
        }
    }

    /// The session whose id is in a WebSocket's per-session data.
    func session(_ user: UnsafeMutableRawPointer?) -> ClientSession? {
        guard let user else { return nil }
        return sessions[user.load(as: UInt64.self)]
    }

    /// Asks for a write on the session's transport: its WebSocket, or its held `GET`. A
    /// long-polling session without a held `GET` keeps its messages until the next one; one that
    /// is to close and has nothing left to deliver (or the server is stopping) closes now.
    func requestWrite(_ s: ClientSession) {
        switch s.transport {
        case .websocket(let w):
            lws_callback_on_writable(w)
        case .polling:
            if let g = s.pendingGET {
                lws_callback_on_writable(g)
            } else if s.closeAfterFlush, s.queue.isEmpty || closingAll {
                polling.closePolling(s)
            }
        }
    }

    /// Closes a client from outside its own callbacks, abortively: linger 0 makes the close a
    /// reset that discards what the kernel still holds for it (a client that does not read would
    /// otherwise keep megabytes queued and a graceful close pending). libwebsockets frees the
    /// connection on its next turn. A long-polling session is forgotten at once (its held `GET`
    /// and upgrading WebSocket, if any, are cut the same way).
    func kill(_ s: ClientSession) {
        guard !s.killed else { return }
        switch s.transport {
        case .websocket(let w):
            s.killed = true
            io.abort(w)
        case .polling:
            if let g = s.pendingGET {
                exchanges[s.pendingGETKey] = nil
                s.pendingGET = nil
                io.abort(g)
            }
            if let u = s.upgradeWSI {
                s.upgradeWSI = nil
                io.abort(u)
            }
            closeSession(s)
        }
    }

}
