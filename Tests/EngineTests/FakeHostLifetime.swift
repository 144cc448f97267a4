import Logging
import ThreadSupport

@testable import SocketIOServer

/// The server's parts hold their coordinator `unowned(unsafe)`: in the server the core owns every
/// part and outlives it. A test's fake coordinator must outlive the part it is given just the
/// same, whatever the optimizer does with the test's local variables (a discarded or last-used
/// host may be released early): `keep` holds it until the test process ends. A fake released
/// early was a use after free (`/health` read `startedAt` of a freed host, a crash in CI).
enum FakeHostLifetime {
    private static let alive = Locked<[AnyObject]>([])

    /// `host`, kept alive for the rest of the process.
    static func keep<Host: AnyObject>(_ host: Host) -> Host {
        alive.withLock { $0.append(host) }
        return host
    }
}

/// What every server part's test builds before the part itself: a default configuration, fresh
/// counters, a session table and the connection writer over them.
struct ServerPartEnvironment {
    let config = StreamServerConfig()
    let counters = ServerCounters()
    let logger = Logger(label: "test")
    let sessions: ServerSessions
    let io: ConnectionIO

    init() {
        sessions = ServerSessions(config: config, counters: counters)
        let policy = AccessPolicy(bindAddress: config.bindAddress, allowedOrigins: [], allowedHosts: [])
        io = ConnectionIO(
            config: config, counters: counters, logger: logger, accessPolicy: policy, sessions: sessions)
    }
}
