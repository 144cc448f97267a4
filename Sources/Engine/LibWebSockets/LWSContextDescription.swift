package import CLibWebSockets

/// A libwebsockets protocol callback as a C function pointer (`lws_callback_function *`; the C
/// typedef names the function type, which Swift imports as a plain closure type).
package typealias LWSCallback =
    @convention(c) (
        OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?,
        UnsafeMutableRawPointer?, Int
    ) -> Int32

/// One entry of a context's `lws_protocols` array: a name, the C callback and its sizes.
package struct LWSProtocol {
    /// The protocol name (clients name it in `Sec-WebSocket-Protocol`; the first one also serves HTTP).
    package var name: String
    /// The callback: a non-capturing `@convention(c)` function that finds its Swift owner through
    /// ``LWSContext/user(of:file:line:)``.
    package var callback: LWSCallback
    /// Bytes libwebsockets allocates per connection and passes as the callback's `user` argument.
    package var perSessionDataSize: Int
    /// Receive chunk size (0: the library default); larger messages arrive in pieces.
    package var rxBufferSize: Int

    /// A protocol entry.
    package init(name: String, callback: LWSCallback, perSessionDataSize: Int = 0, rxBufferSize: Int = 0) {
        self.name = name
        self.callback = callback
        self.perSessionDataSize = perSessionDataSize
        self.rxBufferSize = rxBufferSize
    }
}

/// `LWS_SERVER_OPTION_…` flags (`lws_context_creation_info.options`).
package struct LWSContextOptions: OptionSet, Sendable {
    package var rawValue: UInt64
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Listen on IPv4 only.
    package static let disableIPv6 = LWSContextOptions(rawValue: qf_lws_option_disable_ipv6())
    /// Reject text frames that are not UTF-8.
    package static let validateUTF8 = LWSContextOptions(rawValue: qf_lws_option_validate_utf8())
}

/// What an ``LWSContext`` is made of: the Swift side of `lws_context_creation_info`.
package struct LWSContextDescription {
    /// Listening or not.
    package enum Role {
        /// Listens on `port` (0: a free port, read back as ``LWSContext/listenPort``) at
        /// `bindAddress` (an interface name or address; nil: every interface).
        case server(port: Int, bindAddress: String?)
        /// Client connections only (``LWSContext/connect(address:port:path:host:protocolIndex:)``).
        case client
    }

    /// Server or client-only.
    package var role: Role
    /// The protocols, in order (the array handed to libwebsockets gets its all-zero terminator).
    package var protocols: [LWSProtocol]
    /// `LWS_SERVER_OPTION_…` flags.
    package var options: LWSContextOptions = []
    /// What the callbacks get back from ``LWSContext/user(of:file:line:)`` (usually an unretained
    /// reference to the Swift owner of the callbacks' state; it must outlive the context).
    package var user: UnsafeMutableRawPointer?
    /// Seconds libwebsockets allows for network steps (handshakes, …); nil: the library default.
    package var timeoutSeconds: UInt32?
    /// Seconds allowed for a client's TCP connect; nil: the library default.
    package var connectTimeoutSeconds: UInt32?
    /// HTTP header buffers allocated at most at once (each connection holds one while its request
    /// headers – and a request body – arrive); nil: the library default.
    package var maxHTTPHeaderPool: Int?
    /// Seconds a connection may hold a header buffer without completing its request headers
    /// (`timeout_secs_ah_idle`; the slowloris bound); nil: the library default (10).
    package var headerTimeoutSeconds: UInt32?
    /// File descriptors per service thread; nil: the process limit.
    package var fdLimitPerThread: Int?

    /// A description with library defaults for everything but the role and the protocols.
    package init(role: Role, protocols: [LWSProtocol]) {
        self.role = role
        self.protocols = protocols
    }
}
