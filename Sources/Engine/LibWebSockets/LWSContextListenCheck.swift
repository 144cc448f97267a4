#if canImport(Glibc)
import Glibc
#endif

/// Whether a server context really listens. libwebsockets 4.1 treats a failed `bind` on a given
/// address (one this machine does not have, e.g. `--bind 8.8.8.8`) as an interface that is not
/// up yet: it logs, schedules a retry and `lws_create_context` succeeds, the vhost reporting the
/// requested port while no socket listens. The only reliable witness is the socket itself, so the
/// check looks at this process's own descriptors (nothing is sent anywhere).
enum LWSListenCheck {
    /// Whether this process has a listening TCP socket (IPv4 or IPv6) bound to `port`; true when
    /// the descriptors cannot be listed (nothing to contradict libwebsockets with).
    static func processListens(onPort port: Int) -> Bool {
        guard port > 0, let directory = opendir("/proc/self/fd") else { return true }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(name), fd != own else { continue }
            if isListeningSocket(fd, port: port) { return true }
        }
        return false
    }

    /// Whether `fd` is a TCP socket accepting connections, bound to `port`.
    private static func isListeningSocket(_ fd: Int32, port: Int) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting != 0 else { return false }
        var address = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
        }
        guard named == 0 else { return false }
        let boundPort: UInt16
        switch Int32(address.ss_family) {
        case AF_INET:
            boundPort = withUnsafeBytes(of: address) { $0.load(as: sockaddr_in.self).sin_port }
        case AF_INET6:
            boundPort = withUnsafeBytes(of: address) { $0.load(as: sockaddr_in6.self).sin6_port }
        default:
            return false
        }
        return Int(UInt16(bigEndian: boundPort)) == port
    }
}
