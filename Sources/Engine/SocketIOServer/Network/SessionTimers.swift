import CLibWebSockets
import Foundation
import Logging
import ThreadSupport

/// What the ticker calls on the service thread: reaches the ``ServerCore`` through its user
/// pointer (the core's ``ThreadBound``, checked like every other entry).
let serverTick: qf_lws_tick_fn = { raw in
    guard let raw else { return }
    Unmanaged<ThreadBound<ServerCore>>.fromOpaque(raw).takeUnretainedValue().value.tick()
}

/// Pings and deadlines. A WebSocket session's ping timer is libwebsockets' per-connection timer
/// (`LWS_CALLBACK_TIMER`); a long-polling session has no connection of its own, so the ticker
/// (one context-wide timer, running every 100 ms while polling sessions exist) checks its ping,
/// its unauthenticated deadline and the deadline for its next `GET`.
extension ServerCore {
    /// How often the ticker runs while long-polling sessions exist.
    static let tickMicroseconds: Int64 = 100_000

    /// Arms the session's ping timer: the next ping (or the pong deadline) in `seconds`.
    func armPingTimer(_ s: ClientSession, seconds: Double) {
        switch s.transport {
        case .websocket(let w):
            lws_set_timer_usecs(w, lws_usec_t(seconds * 1_000_000))
        case .polling:
            s.pingDue = monotonicNanos() + UInt64(max(0, seconds) * 1e9)
        }
    }

    /// The ping timer fired: a client over its request budget is disconnected (its grace is
    /// over), one still owing a pong is dropped, any other gets a ping.
    func pingTimerFired(_ s: ClientSession) {
        if s.overBudget {
            if !s.closeAfterFlush { disconnectOverBudget(s) }
        } else if s.awaitingPong {
            counters.add(counters.pingTimeouts)
            kill(s)
        } else {
            enqueue(s, SocketIOEncoder.ping, force: true)
            s.awaitingPong = true
            armPingTimer(s, seconds: config.pingTimeout)
        }
    }

    /// Runs the ticker again in 100 ms unless it is already due (network thread).
    func scheduleTick() {
        guard let ticker, !tickerScheduled else { return }
        tickerScheduled = true
        qf_lws_ticker_schedule(ticker, Self.tickMicroseconds)
    }

    /// Long-polling deadlines (network thread, from the ticker): handshakes without a Socket.IO
    /// connect, then each session's (``PollingTransport/checkDeadlines(now:)``).
    func tick() {
        tickerScheduled = false
        let now = monotonicNanos()
        var polling = limits.handshakes.count > 0
        for id in limits.expiredHandshakes(now: now) {
            guard let s = sessions[id], !s.killed else { continue }
            counters.add(counters.handshakeTimeouts)
            logger.debug("closing a long-polling session without Socket.IO connect", metadata: ["sid": "\(s.sid)"])
            self.polling.closePolling(s)
        }
        if self.polling.checkDeadlines(now: now) { polling = true }
        if polling || limits.handshakes.count > 0 { scheduleTick() }
    }
}
