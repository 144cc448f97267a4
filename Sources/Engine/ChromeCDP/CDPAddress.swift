/// Where Chrome's DevTools endpoint listens: `HOST:PORT` (`--cdp`, default `127.0.0.1:9222`).
package struct CDPAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IPv4 address (`[::1]` style IPv6 is accepted without brackets here).
    package var host: String
    /// TCP port.
    package var port: Int

    /// An address.
    package init(host: String = "127.0.0.1", port: Int = 9222) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `:PORT` (host 127.0.0.1), `PORT`, or `[IPV6]:PORT`.
    package init(parsing text: String) throws(ChromeError) {
        var host = "127.0.0.1"
        var portText = Substring(text)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw ChromeError(code: .badAddress, cause: "expected [HOST]:PORT, got \(text)")
            }
            portText = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            let h = text[..<colon]
            if !h.isEmpty { host = String(h) }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ChromeError(code: .badAddress, cause: "expected HOST:PORT with a port 1…65535, got \(text)")
        }
        self.host = host
        self.port = port
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
