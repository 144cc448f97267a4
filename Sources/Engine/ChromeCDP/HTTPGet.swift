import Foundation

/// A plain blocking HTTP/1.1 GET over a TCP socket, for Chrome's `/json/list` (a few kB, once per
/// poll): connect with a timeout, send, read the whole answer with a deadline. Not a general client:
/// no redirects, no TLS, no chunked encoding (Chrome's DevTools server sends Content-Length).
enum HTTPGet {
    /// The status and body of a response.
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    /// The addresses `host` resolves to (IPv4 first), as printable numeric strings.
    static func resolve(_ host: String) throws(ChromeError) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0, let list else {
            throw ChromeError(code: .resolve, cause: "\(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var v4: [String] = [], v6: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = list
        while let a = p {
            var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(a.pointee.ai_addr, a.pointee.ai_addrlen, &buf, socklen_t(buf.count), nil, 0, NI_NUMERICHOST)
                == 0
            {
                let s = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if a.pointee.ai_family == AF_INET {
                    if !v4.contains(s) { v4.append(s) }
                } else if !v6.contains(s) {
                    v6.append(s)
                }
            }
            p = a.pointee.ai_next
        }
        return v4 + v6
    }

    /// Connects to `address` (numeric) within `timeout` seconds; returns the connected socket.
    static func connect(address: String, port: Int, timeout: Double) throws(ChromeError) -> Int32 {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if address.contains(":") {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, address, &sa.sin6_addr) == 1 else {
                throw ChromeError(code: .badAddress, cause: "not an IPv6 address: \(address)")
            }
            withUnsafeBytes(of: sa) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, address, &sa.sin_addr) == 1 else {
                throw ChromeError(code: .badAddress, cause: "not an IPv4 address: \(address)")
            }
            withUnsafeBytes(of: sa) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ChromeError(code: .connect, cause: "socket(): \(String(cString: strerror(errno)))") }
        var ok = false
        defer { if !ok { close(fd) } }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else {
                throw ChromeError(code: .connect, cause: "\(address):\(port): \(String(cString: strerror(errno)))")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let n = poll(&pfd, 1, Int32(timeout * 1000))
            guard n > 0 else {
                throw ChromeError(code: .connect, cause: "\(address):\(port): no answer within \(timeout) s")
            }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            guard err == 0 else {
                throw ChromeError(code: .connect, cause: "\(address):\(port): \(String(cString: strerror(err)))")
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        ok = true
        return fd
    }

    /// GETs (or `method`s) `path` from `address:port` (numeric address; `hostHeader` is sent as Host).
    /// Connect within `connectTimeout` s; the whole answer within `timeout` s.
    static func get(
        address: String, port: Int, hostHeader: String, path: String, method: String = "GET",
        connectTimeout: Double, timeout: Double, maxBytes: Int = 32 << 20
    ) throws(ChromeError) -> Response {
        let fd = try connect(address: address, port: port, timeout: connectTimeout)
        defer { close(fd) }
        let request = Array(
            "\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
                .utf8)
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ChromeError(code: .http, cause: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        var headerEnd: Int?
        var contentLength: Int?
        while true {
            if let headerEnd, let contentLength, data.count >= headerEnd + contentLength { break }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                throw ChromeError(code: .http, cause: "GET \(path): no complete answer within \(timeout) s")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(max(1, left * 1000))) > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ChromeError(code: .http, cause: "GET \(path): \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: chunk[0..<n])
            guard data.count <= maxBytes else {
                throw ChromeError(code: .http, cause: "GET \(path): answer over \(maxBytes) bytes")
            }
            if headerEnd == nil, let end = findHeaderEnd(data) {
                headerEnd = end
                contentLength = headerValue(data[..<end], "content-length").flatMap { Int($0) }
            }
        }
        guard let end = headerEnd ?? findHeaderEnd(data) else {
            throw ChromeError(code: .http, cause: "GET \(path): not an HTTP answer")
        }
        let head = String(decoding: data[..<end], as: UTF8.self)
        let statusLine = head.prefix { $0 != "\r" }.split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]) else {
            throw ChromeError(code: .http, cause: "GET \(path): not an HTTP answer")
        }
        var body = Array(data[end...])
        if let contentLength, body.count > contentLength { body.removeLast(body.count - contentLength) }
        return Response(status: status, body: body)
    }

    /// Index just past `\r\n\r\n`.
    private static func findHeaderEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        for i in 0...(d.count - 4) where d[i] == 13 && d[i + 1] == 10 && d[i + 2] == 13 && d[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private static func headerValue(_ head: ArraySlice<UInt8>, _ name: String) -> String? {
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == name {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
