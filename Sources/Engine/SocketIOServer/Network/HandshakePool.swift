/// Long-polling sessions that have had their Engine.IO handshake (`GET …&transport=polling`
/// without `sid`) but no Socket.IO connect yet. Such a handshake costs its sender one request and
/// no connection, so it is kept apart from connected clients (it does not count against
/// `maxClients` or `maxUnauthenticated`), bounded – ``capacity`` in all, ``perAddress`` from one
/// peer address – and short-lived (``StreamServerConfig/handshakeTimeout``). When a new handshake
/// finds its address's share or the pool full, the oldest handshake of that address (or of the
/// pool) gives way: a real client connects within milliseconds of its handshake, so only
/// handshakes nobody continues are evicted. Network thread.
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

    /// Takes a new handshake; returns the sessions that give way to it (to be closed).
    mutating func admit(session: UInt64, address: String, now: UInt64) -> [UInt64] {
        var evicted: [UInt64] = []
        var sameAddress = entries.reduce(0) { $0 + ($1.address == address ? 1 : 0) }
        while sameAddress >= perAddress, let i = entries.firstIndex(where: { $0.address == address }) {
            evicted.append(entries.remove(at: i).session)
            sameAddress -= 1
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

    /// Whether the session is still waiting for its Socket.IO connect.
    func contains(session: UInt64) -> Bool { entries.contains { $0.session == session } }

    /// Sessions whose handshake is older than `timeout` ns (oldest first).
    func expired(now: UInt64, timeout: UInt64) -> [UInt64] {
        entries.prefix { now &- $0.since >= timeout }.map(\.session)
    }
}
