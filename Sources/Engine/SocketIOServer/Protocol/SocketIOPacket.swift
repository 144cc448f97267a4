/// One Engine.IO packet received from a client over WebSocket (a whole text message).
@usableFromInline package enum EngineIOInbound: Equatable, Sendable {
    /// `1`: the client closes the transport.
    case close
    /// `2…`: a ping from the client (answered with `3…`); the payload is echoed back.
    case ping(payload: String)
    /// `3`: the answer to the server's ping.
    case pong
    /// `5`: upgrade (meaningless on a WebSocket-only server).
    case upgrade
    /// `6`: no-op.
    case noop
    /// `4…`: a Socket.IO packet.
    case socket(SocketIOInbound)
}

/// A Socket.IO packet received from a client.
@usableFromInline package enum SocketIOInbound: Equatable, Sendable {
    /// `40[/ns,][{auth}]`
    case connect(namespace: String, auth: JSONValue?)
    /// `41[/ns,]`
    case disconnect(namespace: String)
    /// `42[/ns,][id]["name",args…]`
    case event(namespace: String, ackID: Int?, name: String, args: [JSONValue])
    /// `43[/ns,]id[args…]`
    case ack(namespace: String, ackID: Int, args: [JSONValue])
}

/// Why a client message could not be understood. The server closes that client.
@usableFromInline package enum SocketIOParseError: Error, Equatable, Sendable {
    /// An empty message.
    case empty
    /// The first byte is not an Engine.IO packet type.
    case badEngineType(UInt8)
    /// The second byte of a `4` packet is not a Socket.IO packet type the server accepts.
    case badSocketType(UInt8)
    /// Binary events and acks (`45`, `46`) and binary WebSocket frames are not supported.
    case binaryUnsupported
    /// The message is longer than the server's limit.
    case tooLarge(limit: Int)
    /// A namespace that does not end with `,`, or is too long.
    case badNamespace
    /// An ack id with too many digits, or a missing one on `43`.
    case badAckID
    /// The JSON part does not parse, or has the wrong shape.
    case badJSON
    /// An event array whose first element is not a string.
    case missingEventName
}
