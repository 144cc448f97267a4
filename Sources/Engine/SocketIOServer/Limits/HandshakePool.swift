/// Long-polling sessions that have had their Engine.IO handshake (`GET …&transport=polling`
/// without `sid`) but no Socket.IO connect yet. Such a handshake costs its sender one request and
/// no connection, so it is kept apart from connected clients (it does not count against
/// `maxClients` or `maxUnauthenticated`), bounded – ``capacity`` in all, ``perAddress`` from one
/// peer address among those older than a second – and short-lived
/// (``StreamServerConfig/handshakeTimeout``). When a new handshake finds its address's share or
/// the pool full, the oldest handshake of that address (or of the pool) gives way: a real client
/// connects within milliseconds of its handshake, so only handshakes nobody continues are
/// evicted. Network thread.
struct HandshakePool {
    struct Entry {
        var session: UInt64
        var address: String
        var since: UInt64
    }

    let capacity: Int
    let perAddress: Int
    /// Oldest first.
    private(set) var entries: [Entry] = []

    init(capacity: Int, perAddress: Int) {
        self.capacity = max(1, capacity)
        self.perAddress = max(1, min(perAddress, capacity))
    }

    var count: Int { entries.count }

    /// A handshake counts against its address's share once it is this old (ns): clients that
    /// handshake in a burst and connect right after (a proxy, a benchmark's 100 polling clients)
    /// are never evicted for it, as the slow-header guard never counts fast connections.
    static let slowAfter: UInt64 = 1_000_000_000

    /// Takes a new handshake; returns the sessions that give way to it (to be closed).
    mutating func admit(session: UInt64, address: String, now: UInt64) -> [UInt64] {
        var evicted: [UInt64] = []
        func isSlow(_ e: Entry) -> Bool { e.address == address && now &- e.since >= Self.slowAfter }
        var slow = entries.reduce(0) { $0 + (isSlow($1) ? 1 : 0) }
        while slow >= perAddress, let i = entries.firstIndex(where: isSlow) {
            evicted.append(entries.remove(at: i).session)
            slow -= 1
        }
        while entries.count >= capacity {
            evicted.append(entries.removeFirst().session)
        }
        entries.append(Entry(session: session, address: address, since: now))
        return evicted
    }

    /// The session connected or is gone.
    mutating func remove(session: UInt64) {
        if let i = entries.firstIndex(where: { $0.session == session }) { entries.remove(at: i) }
    }

    /// Sessions whose handshake is older than `timeout` ns (oldest first).
    func expired(now: UInt64, timeout: UInt64) -> [UInt64] {
        entries.prefix { now &- $0.since >= timeout }.map(\.session)
    }
}
