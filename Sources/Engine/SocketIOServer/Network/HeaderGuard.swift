import CLibWebSockets
import Foundation
import ThreadSupport

/// Connections still sending their request – headers, or a `POST` body – by peer address: the
/// per-address slowloris limit. libwebsockets holds a header buffer for each of them (bounded by
/// ``StreamServerConfig/httpHeaderSlots``) and closes any that takes longer than
/// ``StreamServerConfig/headerTimeout``; on top of that, an address may keep only
/// ``StreamServerConfig/maxSlowHeaderConnectionsPerAddress`` connections that have been sending
/// for more than a second: when another one arrives from it, its oldest slow ones are closed.
/// Fast clients are never counted, so a burst of ordinary connections from one address (a
/// benchmark, a proxy) is not refused. Network thread.
struct HeaderGuard {
    private struct Entry {
        var address: String
        var since: UInt64
    }

    private var pending: [OpaquePointer: Entry] = [:]
    private var byAddress: [String: Set<OpaquePointer>] = [:]

    /// A connection's request is now under way (accepted, nothing read yet).
    mutating func track(_ wsi: OpaquePointer, address: String, now: UInt64) {
        done(wsi)
        pending[wsi] = Entry(address: address, since: now)
        byAddress[address, default: []].insert(wsi)
    }

    /// The connection's request has arrived (or the connection is gone).
    mutating func done(_ wsi: OpaquePointer) {
        guard let e = pending.removeValue(forKey: wsi) else { return }
        byAddress[e.address]?.remove(wsi)
        if byAddress[e.address]?.isEmpty == true { byAddress[e.address] = nil }
    }

    /// Connections of `address` sending for longer than `slowAfter` ns, oldest first.
    func slow(address: String, now: UInt64, slowAfter: UInt64) -> [OpaquePointer] {
        guard let set = byAddress[address] else { return [] }
        return set.compactMap { w -> (OpaquePointer, UInt64)? in
            guard let e = pending[w], now &- e.since > slowAfter else { return nil }
            return (w, e.since)
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Connections being tracked.
    var count: Int { pending.count }
}

extension ServerCore {
    /// `LWS_CALLBACK_FILTER_NETWORK_CONNECTION`: a connection was accepted from `fd`'s peer. When
    /// that address already holds its limit of slow connections, the oldest are closed
    /// (``ServerLimits/slowHeaderVictims(address:now:)``).
    func admitConnection(fd: Int32) {
        guard limits.guardsHeaders, let address = io.peerAddress(fd) else { return }
        for victim in limits.slowHeaderVictims(address: address, now: monotonicNanos()) { io.abort(victim) }
    }

    /// `LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED`: start timing the connection's request.
    func trackHeaders(_ wsi: OpaquePointer) {
        guard limits.guardsHeaders, let address = io.peerAddress(lws_get_socket_fd(wsi)) else { return }
        limits.headerGuard.track(wsi, address: address, now: monotonicNanos())
    }

}
