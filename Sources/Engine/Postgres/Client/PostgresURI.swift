import Foundation

/// Connection URIs as they may appear in a message: without a password.
package enum PostgresURI {
    /// `uri` with any password replaced by `***`: the `user:password@` part of a
    /// `postgres[ql]://` URI, a `password=` query parameter, and a `password=` keyword of a
    /// `key=value` connection string. Everything else (host, port, database, sslmode) stays,
    /// so a message still says where qflux tried to connect.
    package static func redact(_ uri: String) -> String {
        var text = uri
        // Any scheme (a mistyped `postgresq://` or `mysql://` is redacted too).
        if let schemeEnd = text.range(of: "://") {
            let scheme = String(text[..<schemeEnd.upperBound])
            let rest = text[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[rest.startIndex..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[authority.startIndex..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    text = scheme + String(userInfo[userInfo.startIndex..<colon]) + ":***" + String(rest[at...])
                }
            }
        }
        return redactPasswordParameters(text)
    }

    /// `password=VALUE` (after `?`, `&`, a space or at the start) → `password=***`.
    private static func redactPasswordParameters(_ text: String) -> String {
        var out = ""
        var i = text.startIndex
        let key = "password="
        while i < text.endIndex {
            let atBoundary = i == text.startIndex || "?& ".contains(text[text.index(before: i)])
            if atBoundary, text[i...].lowercased().hasPrefix(key) {
                out += text[i..<text.index(i, offsetBy: key.count)] + "***"
                i = text.index(i, offsetBy: key.count)
                while i < text.endIndex, !"& ".contains(text[i]) { i = text.index(after: i) }
                continue
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }
}
