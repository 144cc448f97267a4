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
/// allocating. A 64-bit hash collision between two live request ids is not a practical concern.
struct SocketTable {
    private var states: [UInt64: SocketState] = [:]
    private var nextIndex: UInt32 = 0

    /// Number of sockets currently tracked.
    var count: Int { states.count }

    /// The state for `requestId`, created on first sight. `isNew` tells whether it was created.
    mutating func withState<R>(
        _ requestId: UnsafeRawBufferPointer, _ body: (inout SocketState, _ isNew: Bool) -> R
    ) -> R {
        let key = Self.hash(requestId)
        if states[key] != nil {
            return body(&states[key]!, false)
        }
        var state = SocketState(ref: SocketRef(index: nextIndex))
        nextIndex += 1
        let result = body(&state, true)
        states[key] = state
        return result
    }

    /// Forgets a socket; returns its reference if it was known.
    mutating func remove(_ requestId: UnsafeRawBufferPointer) -> SocketRef? {
        states.removeValue(forKey: Self.hash(requestId))?.ref
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
