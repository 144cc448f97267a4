import Foundation
import RedisBridge
import Testing

extension Dependency {
    /// `redis-server` on the PATH (Debian: apt-get install -y redis-server).
    static let redisServerPath = executable("redis-server")
    static var redisServer: Bool { redisServerPath != nil }
    static let needsRedis: Comment = "needs redis-server on the PATH (apt-get install -y redis-server)"
}

@Suite("Redis test dependencies")
struct RedisDependencyTests {
    @Test(
        "under CI=true redis-server is installed: a missing one fails here instead of only skipping",
        .enabled(if: Dependency.isCI, "runs only under CI=true"))
    func ciHasRedisServer() {
        #expect(Dependency.redisServer, "missing under CI=true: \(Dependency.needsRedis.rawValue)")
    }
}

/// A private `redis-server` for one test: a free 127.0.0.1 port, no persistence (`--save ""
/// --appendonly no`), its own working directory; stopped (and restartable on the same port).
final class RedisTestServer {
    let port: Int
    private let directory: URL
    private var process: Process?

    init() throws {
        port = freeLocalPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-redis-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var url: String { "redis://127.0.0.1:\(port)" }
    var address: RedisAddress { RedisAddress(host: "127.0.0.1", port: port) }

    /// Starts the server and waits until it answers PING.
    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Dependency.redisServerPath ?? "/usr/bin/redis-server")
        p.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--daemonize", "no", "--protected-mode", "yes",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let c = try? RedisConnection(address: address), (try? c.command(["PING"])) != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw RedisError(.connect, "redis-server did not answer on port \(port)")
    }

    /// Stops the server (`SHUTDOWN NOSAVE`, then SIGKILL if it lingers) and waits for it to exit.
    func stop() {
        guard let p = process, p.isRunning else { process = nil; return }
        if let c = try? connect() { _ = try? c.command(["SHUTDOWN", "NOSAVE"]) } else { p.terminate() }
        let deadline = Date().addingTimeInterval(3)
        while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }

    /// A new client connection.
    func connect() throws -> RedisConnection { try RedisConnection(address: address) }
}
