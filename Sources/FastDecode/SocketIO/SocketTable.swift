/// Engine.IO / Socket.IO state of one broker WebSocket, keyed by CDP `requestId`.
struct SocketState {
    /// Index handed out in order of first sight.
    var ref: SocketRef
    /// Event kind (qf_event_kind) whose binary attachments are expected next.
    var pendingKind: Int32 = 0
    /// How many binary attachments of the last `45N-` header are still to come.
    var pendingAttachments = 0
    /// An Engine.IO open packet or webSocketCreated was seen.
    var opened = false
}

/// The sockets of one page (or capture), found by a hash of their `requestId` bytes without
/// allocating or hashing twice: a page has a handful of sockets, so a short array searched from
/// the most recently used entry beats a dictionary. A 64-bit hash collision between two live
/// request ids is not a practical concern.
struct SocketTable {
    private var keys: [UInt64] = []
    private var lastHit = 0
    private var nextIndex: UInt32 = 0

    /// Sockets tracked beyond this many are forgotten oldest first (pages that never close them).
    static let limit = 256

    /// Number of sockets currently tracked.
    var count: Int { keys.count }

    /// The states, indexed by what ``index(of:)`` returns (valid until the next call that may
    /// add or remove a socket).
    var states: [SocketState] = []

    /// Where the state for `requestId` is in ``states``, created on first sight. No closure and
    /// no copy: the caller works on `states[i]` in place (one hash of the id per call).
    mutating func index(of requestId: UnsafeRawBufferPointer) -> Int {
        let key = Self.hash(requestId)
        if lastHit < keys.count, keys[lastHit] == key { return lastHit }
        if let i = keys.firstIndex(of: key) {
            lastHit = i
            return i
        }
        if keys.count >= Self.limit {
            keys.removeFirst()
            states.removeFirst()
        }
        keys.append(key)
        states.append(SocketState(ref: SocketRef(index: nextIndex)))
        nextIndex &+= 1
        lastHit = keys.count - 1
        return lastHit
    }

    /// Forgets a socket; returns its reference if it was known.
    mutating func remove(_ requestId: UnsafeRawBufferPointer) -> SocketRef? {
        let key = Self.hash(requestId)
        guard let i = keys.firstIndex(of: key) else { return nil }
        keys.remove(at: i)
        lastHit = 0
        return states.remove(at: i).ref
    }

    /// The interner's word-at-a-time hash (request ids are short; this runs once per line).
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { AssetInterner.hash(bytes) }
}
