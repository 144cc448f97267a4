import Foundation
import ThreadSupport

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for the tests and `qflux-bench`: Debian's `postgresql` package
/// (`initdb`, `pg_ctl` from /usr/lib/postgresql/<version>/bin, 15 preferred) in a temporary
/// directory, listening on 127.0.0.1 only at a free port, its unix socket inside that directory.
/// Superuser ``user`` with password ``password`` (scram-sha-256 over TCP). PostgreSQL refuses to
/// run as root: as root, `initdb` and the server run as `nobody` (through `runuser`), which owns
/// the directory. Stopped and removed in `deinit`.
package final class LocalPostgresCluster {
    /// The superuser.
    package let user = "qflux"
    /// Its password.
    package let password: String
    /// The TCP port (127.0.0.1).
    package let port: Int
    /// The temporary directory (data, socket, log).
    package let directory: String
    private let binDirectory: String
    private let settings: [String]
    /// The running server's process (`postgres`, or `runuser` over it).
    private var server: Process?

    /// The folder of `initdb`/`pg_ctl`: PostgreSQL 15's when installed, else the newest.
    package static var binDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        let ordered = versions.contains(15) ? [15] + versions.filter { $0 != 15 } : versions
        return ordered.lazy.map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    /// A failure to set the server up, with its output.
    package struct Failure: Error, CustomStringConvertible {
        /// One line, then the tool's output.
        package var description: String
    }

    /// Creates the cluster (`initdb`) and starts it. `settings` are extra `-c name=value`
    /// server settings (e.g. `fsync=off` for tests).
    package init(password: String = "qflux-test-secret", settings: [String] = []) throws {
        guard let bin = Self.binDirectory else {
            throw Failure(description: "no PostgreSQL server (apt-get install -y postgresql)")
        }
        binDirectory = bin
        self.password = password
        self.settings = settings
        port = Self.freePort()
        directory = NSTemporaryDirectory() + "qflux-pg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordFile = directory + "/password"
        try Data(password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        if getuid() == 0 {
            try run("/usr/bin/chown", ["-R", "nobody", directory], asServerUser: false)
        }
        try run(
            bin + "/initdb",
            [
                "-D", dataDirectory, "-U", user, "--pwfile=" + passwordFile, "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private var dataDirectory: String { directory + "/data" }

    /// `postgresql://qflux:PASSWORD@127.0.0.1:PORT/DATABASE` (without the password: `withPassword: false`).
    package func uri(database: String = "postgres", withPassword: Bool = true) -> String {
        "postgresql://\(user)\(withPassword ? ":" + password : "")@127.0.0.1:\(port)/\(database)"
    }

    /// Starts the server (a child process of this one, not daemonized: a daemon would inherit
    /// the descriptors Foundation watches to see a child exit) and waits until it accepts
    /// connections.
    package func start() throws {
        var arguments = ["-D", dataDirectory, "-p", String(port), "-h", "127.0.0.1", "-k", directory]
        for setting in settings { arguments += ["-c", setting] }
        let p = Process()
        if getuid() == 0 {
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            p.arguments = ["-u", "nobody", "--", binDirectory + "/postgres"] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: binDirectory + "/postgres")
            p.arguments = arguments
        }
        let log = directory + "/server.log"
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? handle.close()
        server = p
        let deadline = monotonicNow() + 60
        while monotonicNow() < deadline {
            if (try? PostgresConnection(uri: uri(), connectTimeout: 2)) != nil { return }
            if !p.isRunning { break }
            usleep(50_000)
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop(mode: "immediate")
        throw Failure(description: "PostgreSQL did not start on port \(port): \(text.suffix(1500))")
    }

    /// Stops the server: `fast` (clean) or `immediate` (like a crash: recovery at the next
    /// start), and waits until its process has exited.
    package func stop(mode: String = "fast") {
        guard let p = server else { return }
        _ = try? run(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"])
        let deadline = monotonicNow() + 30
        while p.isRunning, monotonicNow() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        server = nil
    }

    /// Creates a database.
    package func createDatabase(_ name: String) throws {
        let connection = try PostgresConnection(uri: uri())
        try connection.execute("CREATE DATABASE \"\(name)\"")
    }

    /// Runs a tool (as `nobody` when this process is root); throws with its output on failure.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], asServerUser: Bool = true) throws -> String {
        let p = Process()
        if asServerUser, getuid() == 0 {
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            p.arguments = ["-u", "nobody", "--", program] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: program)
            p.arguments = arguments
        }
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = directory + "/tool-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: output)
        }
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw Failure(
                description:
                    "\((program as NSString).lastPathComponent) failed (status \(p.terminationStatus)): \(text.suffix(1500)) \(log.suffix(1500))"
            )
        }
        return text
    }

    /// A port free on 127.0.0.1 now (bound to 0, read, closed).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
