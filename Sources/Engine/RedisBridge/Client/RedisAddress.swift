/// `redis://HOST:PORT[/DB]`: where a Redis server is (no password, no TLS).
package struct RedisAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address.
    package var host: String
    /// TCP port (default 6379).
    package var port: Int
    /// Database number selected after connecting (default 0).
    package var database: Int

    /// Creates an address.
    package init(host: String, port: Int = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://HOST[:PORT][/DB]` (`HOST` may be `[v6]`).
    package init(parsing text: String) throws(RedisError) {
        let prefix = "redis://"
        guard text.lowercased().hasPrefix(prefix) else {
            throw RedisError(.badAddress, "'\(text)' is not redis://HOST:PORT[/DB]")
        }
        var rest = Substring(text.dropFirst(prefix.count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty {
                guard let n = Int(db), (0...65535).contains(n) else {
                    throw RedisError(.badAddress, "'\(text)': the database must be a number (redis://HOST:PORT/DB)")
                }
                database = n
            }
            rest = rest[..<slash]
        }
        if rest.contains("@") { throw RedisError(.badAddress, "'\(text)': passwords in the address are not supported") }
        var host = rest
        var port = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw RedisError(.badAddress, "'\(text)': unclosed [") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { throw RedisError(.badAddress, "'\(text)': bad port") }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]) else {
                throw RedisError(.badAddress, "'\(text)': bad port")
            }
            port = p
        }
        guard !host.isEmpty else { throw RedisError(.badAddress, "'\(text)': no host") }
        guard (1...65535).contains(port) else { throw RedisError(.badAddress, "'\(text)': port must be 1 … 65535") }
        self.init(host: String(host), port: port, database: database)
    }

    package var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "redis://\(h):\(port)" + (database == 0 ? "" : "/\(database)")
    }
}
