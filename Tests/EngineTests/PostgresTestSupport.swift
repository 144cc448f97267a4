import Foundation
import Postgres
import Testing

extension Dependency {
    /// PostgreSQL's server programs (`initdb`, `pg_ctl`; Debian: apt-get install -y postgresql),
    /// and `runuser` when the tests run as root (PostgreSQL refuses root).
    static let postgres =
        LocalPostgresCluster.binDirectory != nil
        && (getuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser"))
    static let needsPostgres: Comment =
        "needs PostgreSQL 15's server (apt-get install -y postgresql; as root also runuser from util-linux)"
}

/// A test's PostgreSQL: a ``LocalPostgresCluster`` without fsync (the tests restart it with
/// `pg_ctl stop -m immediate`, which keeps what the OS has), and a database of its own.
final class PostgresTestServer {
    let cluster: LocalPostgresCluster
    let database = "qflux_test"

    init() throws {
        cluster = try LocalPostgresCluster(settings: ["fsync=off", "full_page_writes=off"])
        try cluster.createDatabase(database)
    }

    /// The database's URI (with or without the password).
    func uri(withPassword: Bool = true) -> String { cluster.uri(database: database, withPassword: withPassword) }

    /// A new connection to the database.
    func connect() throws -> PostgresConnection { try PostgresConnection(uri: uri()) }

    /// The first column of the first row of `sql` as an integer (-1 when the server is down).
    func integer(_ sql: String) -> Int {
        guard let c = try? connect(), let rows = try? c.query(sql), let text = rows.first?.first ?? nil else {
            return -1
        }
        return Int(text) ?? -1
    }
}

/// A child process with an environment of its own; its exit status and standard error.
func runWithEnvironment(_ program: String, _ arguments: [String], environment: [String: String]) throws -> (
    status: Int32, stderr: String
) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = arguments
    p.environment = environment
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The environment of this process without any `PG*` variable, plus `extra`.
func environmentWithoutPG(_ extra: [String: String] = [:]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    for (k, v) in extra { env[k] = v }
    return env
}
