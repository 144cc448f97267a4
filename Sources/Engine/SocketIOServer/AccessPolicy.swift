/// Which browser origins and `Host` names the server accepts (issue 15: cross-site WebSocket
/// hijacking and DNS rebinding), and the constant-time token comparison.
package struct AccessPolicy: Sendable {
    /// Loopback host names, lower case, as they appear in URLs and `Host` headers.
    static let loopbackNames: Set<String> = ["127.0.0.1", "localhost", "[::1]", "::1"]

    /// Listed origins, normalised (`scheme://host[:port]`, lower case, no trailing slash).
    let origins: Set<String>
    /// Accepted `Host` names (without port), lower case.
    let hosts: Set<String>
    /// Bound to every address: any IP-literal `Host` is accepted (an IP literal cannot be rebound).
    let wildcardBind: Bool

    package init(bindAddress: String, allowedOrigins: [String], allowedHosts: [String]) {
        origins = Set(allowedOrigins.map(Self.normaliseOrigin))
        var h = Self.loopbackNames
        let bind = bindAddress.lowercased()
        h.insert(bind)
        if bind.contains(":") { h.insert("[\(bind)]") }
        for name in allowedHosts { h.insert(Self.hostName(name.lowercased())) }
        hosts = h
        wildcardBind = bind == "0.0.0.0" || bind == "::" || bind == "[::]"
    }

    static func normaliseOrigin(_ origin: String) -> String {
        var o = origin.lowercased()
        while o.hasSuffix("/") { o.removeLast() }
        return o
    }

    /// The host part of `host[:port]` / `[v6]:port`.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("[") {
            if let end = authority.firstIndex(of: "]") { return String(authority[...end]) }
            return authority
        }
        let colons = authority.filter { $0 == ":" }.count
        if colons == 1, let c = authority.firstIndex(of: ":") { return String(authority[..<c]) }
        return authority
    }

    static func isIPLiteral(_ name: String) -> Bool {
        if name.hasPrefix("[") && name.hasSuffix("]") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber)
            }
    }

    /// Whether a `Host` header names this server. No header (HTTP/1.0, non-browser) passes.
    package func allowsHost(_ host: String?) -> Bool {
        guard let host else { return true }
        let name = Self.hostName(host.lowercased())
        if hosts.contains(name) { return true }
        return wildcardBind && Self.isIPLiteral(name)
    }

    /// Whether a browser `Origin` may use the server. No header: not a browser, passes. The
    /// page's own origin (same authority as the accepted `Host`) passes too.
    package func allowsOrigin(_ origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        let o = Self.normaliseOrigin(origin)
        if origins.contains(o) { return true }
        let scheme: String
        if o.hasPrefix("http://") {
            scheme = "http://"
        } else if o.hasPrefix("https://") {
            scheme = "https://"
        } else {
            return false
        }
        let authority = String(o.dropFirst(scheme.count))
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else { return false }
        if Self.loopbackNames.contains(Self.hostName(authority)) { return true }
        if let host, allowsHost(host), authority == host.lowercased() { return true }
        return false
    }

    /// Whether `bind` only serves this machine.
    package static func isLoopback(_ bind: String) -> Bool {
        bind.hasPrefix("127.") || bind == "::1" || bind == "[::1]" || bind == "localhost" || bind == "lo"
    }

    /// The one warning line `qflux stream` prints when it listens beyond loopback without a token.
    package static func exposureWarning(bind: String, port: Int, hasToken: Bool) -> String? {
        guard !hasToken, !isLoopback(bind) else { return nil }
        return
            "qflux stream: warning: listening on \(bind) without a token – anyone who can reach port \(port) can read the stream (set --token-file or QFLUX_TOKEN)"
    }

    /// Compares two tokens in time that depends only on their lengths, not on where they differ.
    package static func tokensEqual(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff: UInt8 = x.count == y.count ? 0 : 1
        let n = max(x.count, y.count)
        for i in 0..<n {
            let p: UInt8 = i < x.count ? x[i] : 0
            let q: UInt8 = i < y.count ? y[i] : 0
            diff |= p ^ q
        }
        return diff == 0
    }
}
