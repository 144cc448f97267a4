import Foundation

/// One entry of Chrome's `/json/list`.
package struct ChromeTarget: Sendable, Equatable {
    /// Target id (the last path component of its debugger URL).
    package var id: String
    /// `page`, `iframe`, `service_worker`, `browser_ui`, …
    package var type: String
    /// The document's URL.
    package var url: String
    /// The document's title.
    package var title: String
    /// The path of the target's DevTools WebSocket (`/devtools/page/<id>`).
    package var debuggerPath: String

    /// Creates a target.
    package init(id: String, type: String, url: String, title: String = "", debuggerPath: String) {
        self.id = id
        self.type = type
        self.url = url
        self.title = title
        self.debuggerPath = debuggerPath
    }

    /// Parses the JSON array Chrome serves at `/json/list`, in Chrome's order.
    package static func parseList(_ body: [UInt8]) throws(ChromeError) -> [ChromeTarget] {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw ChromeError(code: .targetList, cause: "/json/list is not JSON: \(error.localizedDescription)")
        }
        guard let array = object as? [[String: Any]] else {
            throw ChromeError(code: .targetList, cause: "/json/list is not an array of targets")
        }
        return array.compactMap { entry in
            guard let id = entry["id"] as? String, let type = entry["type"] as? String else { return nil }
            // A target another client holds exclusively has no webSocketDebuggerUrl in old Chromes;
            // the path is the same for every target, so rebuild it.
            var path = "/devtools/\(type == "page" ? "page" : type)/\(id)"
            if let ws = entry["webSocketDebuggerUrl"] as? String, let parsed = debuggerPath(fromURL: ws) {
                path = parsed
            }
            return ChromeTarget(
                id: id, type: type, url: entry["url"] as? String ?? "",
                title: entry["title"] as? String ?? "", debuggerPath: path)
        }
    }

    /// `ws://host:port/devtools/page/ID` → `/devtools/page/ID` (the host Chrome writes into it is the
    /// Host header it was asked with; qflux connects to the `--cdp` address instead).
    static func debuggerPath(fromURL url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        return String(rest[slash...])
    }
}

/// Which page qflux attaches to: a `page` target whose URL contains any of the patterns
/// (case-insensitive). When several match, the first one in Chrome's `/json/list` order wins
/// (Chrome lists the most recently created or focused tab first); qflux stays on it until it is
/// closed or Chrome goes away, then picks again.
package struct TargetMatcher: Sendable, Equatable {
    /// URL substrings, any of which makes a page match.
    package var patterns: [String]

    /// PocketOption's hosts: `pocketoption`, `po.market`.
    package static let pocketOption = TargetMatcher(patterns: ["pocketoption", "po.market"])

    /// A matcher for these substrings (empty strings are ignored; none at all matches every page).
    package init(patterns: [String]) {
        self.patterns = patterns.filter { !$0.isEmpty }
    }

    /// Whether `target` is a matching page.
    package func matches(_ target: ChromeTarget) -> Bool {
        guard target.type == "page" else { return false }
        if patterns.isEmpty { return true }
        let url = target.url.lowercased()
        return patterns.contains { url.contains($0.lowercased()) }
    }

    /// The page to attach to, if any.
    package func pick(_ targets: [ChromeTarget]) -> ChromeTarget? {
        targets.first(where: matches)
    }

    /// `pocketoption|po.market` – for messages.
    package var summary: String { patterns.isEmpty ? "any page" : patterns.joined(separator: "|") }
}

/// Asks Chrome for its targets over HTTP.
package enum TargetDiscovery {
    /// `GET /json/list` at `address`: connect within `connectTimeout` seconds, the whole answer
    /// within `timeout`. Returns the targets and the numeric address that answered.
    package static func list(
        at address: CDPAddress, connectTimeout: Double = 1,
        timeout: Double = 3
    ) throws(ChromeError) -> (targets: [ChromeTarget], numericHost: String) {
        let candidates = try HTTPGet.resolve(address.host)
        var lastError = ChromeError(code: .resolve, cause: "\(address.host): no address")
        for numeric in candidates {
            do throws(ChromeError) {
                let response = try HTTPGet.get(
                    address: numeric, port: address.port, hostHeader: hostHeader(numeric, address.port),
                    path: "/json/list", connectTimeout: connectTimeout, timeout: timeout)
                guard response.status == 200 else {
                    throw ChromeError(code: .http, cause: "GET /json/list answered HTTP \(response.status)")
                }
                return (try ChromeTarget.parseList(response.body), numeric)
            } catch {
                lastError = error
                if error.code != .connect { throw error }
            }
        }
        throw lastError
    }

    /// Chrome refuses a Host header that is not an IP address or `localhost` (DNS rebinding
    /// protection): always send the numeric address.
    static func hostHeader(_ numeric: String, _ port: Int) -> String {
        numeric.contains(":") ? "[\(numeric)]:\(port)" : "\(numeric):\(port)"
    }
}
