#if canImport(Glibc)
import Glibc
#endif

/// `qflux stream --bind`: what libwebsockets accepts, and why listening failed.
enum ListenAddress {
    /// True for an IPv4 or IPv6 literal.
    static func isNumeric(_ address: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, address, &v4) == 1 || inet_pton(AF_INET6, address, &v6) == 1
    }

    /// True when `address` names a network interface here (the server then listens on its address).
    static func isInterface(_ address: String) -> Bool { if_nametoindex(address) != 0 }

    /// The errno of listening on `address:port` with a throwaway socket set up as the server's
    /// (SO_REUSEADDR); nil when that works or `address` is not an IP literal.
    static func listenErrno(address: String, port: Int) -> Int32? {
        guard isNumeric(address) else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &list) == 0, let info = list?.pointee else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, info.ai_addr, info.ai_addrlen) != 0 || listen(fd, 1) != 0 { return errno }
        return nil
    }

    /// `cannot listen on ADDRESS:PORT: <reason>`, the reason found with ``listenErrno(address:port:)``.
    static func failure(address: String, port: Int) -> String {
        let shown = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        guard let code = listenErrno(address: address, port: port) else {
            return "cannot listen on \(shown) (in use, or not an address of this machine?)"
        }
        let hint = code == EADDRNOTAVAIL ? " (not an address of this machine)" : ""
        return "cannot listen on \(shown): \(String(cString: strerror(code)))\(hint)"
    }

    /// The host part of the page address printed for `bind` (loopback for the wildcards).
    static func pageHost(_ bind: String) -> String {
        switch bind {
        case "0.0.0.0": "127.0.0.1"
        case "::": "[::1]"
        default: bind.contains(":") ? "[\(bind)]" : bind
        }
    }
}
