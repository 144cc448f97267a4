import FastDecode

/// One WebSocket client, owned by the network thread.
final class ClientSession {
    /// What `start_stream` / `change_asset` set.
    enum Focus: Equatable {
        case none
        /// One asset, 1-minute candles.
        case asset(AssetID)
        /// Follow the asset the broker chart shows (`start_stream` without an asset).
        case follow
    }

    let id: UInt64
    let wsi: OpaquePointer
    let sid: String
    var parser: SocketIOParser
    var queue: OutboundQueue
    var socketConnected = false
    var focus: Focus = .none
    var subscriptions: Set<SubscriptionKey> = []
    var awaitingPong = false
    var overLimitSince: UInt64?
    var closeAfterFlush = false
    var killed = false
    /// Connected with the right token (or no token needed) at least once.
    var authenticated = false
    /// When the WebSocket was accepted (monotonic ns).
    let openedAt = monotonicNanos()

    init(id: UInt64, wsi: OpaquePointer, sid: String, maxMessageBytes: Int, queueLimit: Int) {
        self.id = id
        self.wsi = wsi
        self.sid = sid
        parser = SocketIOParser(maxMessageBytes: maxMessageBytes)
        queue = OutboundQueue(limit: queueLimit)
    }

    /// The subscriptions this client holds, given the asset the broker chart shows.
    func keys(detected: AssetID?) -> [SubscriptionKey] {
        var out = Array(subscriptions)
        switch focus {
        case .none: break
        case .asset(let a): out.append(SubscriptionKey(asset: a.rawValue, seconds: 60))
        case .follow:
            if let d = detected { out.append(SubscriptionKey(asset: d.rawValue, seconds: 60)) }
        }
        return out
    }
}
