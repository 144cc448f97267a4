import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Postgres

/// libpq against a real PostgreSQL 15 started by the test: connect errors, where the password
/// comes from, and `qflux export DIR --to postgresql://…` loading an archive (twice).
@Suite(
    "PostgreSQL: connections and bulk loads", .serialized, .enabled(if: Dependency.postgres, Dependency.needsPostgres))
struct PostgresLoadTests {
    /// An archive of `count` ticks over three assets; the ticks, per asset.
    static func writeArchive(_ directory: String, count: Int, seed: UInt64) throws -> [LoggedTick] {
        let assets = AssetDirectory()
        let ids = ["EURUSD_otc", "#AAPL_otc", "GBP\\JPY"].map { assets.register($0) }
        let writer = try ArchiveWriter(
            configuration: .init(directory: directory, collect: .tick, tickChunkSize: 700),
            assets: assets, logger: ArchiveTestData.logger)
        let ticks = ArchiveTestData.randomWalk(assets: ids, count: count, seed: seed)
        for t in ticks { try writer.append(t) }
        try writer.close()
        return ticks.map { LoggedTick(asset: assets.name(of: $0.asset), time: $0.time, price: $0.price) }
    }

    @Test(
        "unreachable server, bad password, missing database, SSL required: each a PostgresError of its kind, one line, no password"
    )
    func connectErrors() throws {
        let pg = try PostgresTestServer()
        let secret = pg.cluster.password
        let unused = freeLocalPort()
        let cases: [(String, PostgresError.Kind, String)] = [
            ("postgresql://qflux:\(secret)@127.0.0.1:\(unused)/qflux_test", .unreachable, "server unreachable"),
            (
                "postgresql://qflux:wrong-\(secret)@127.0.0.1:\(pg.cluster.port)/qflux_test", .authentication,
                "bad credentials"
            ),
            (
                "postgresql://qflux:\(secret)@127.0.0.1:\(pg.cluster.port)/no_such_db", .missingDatabase,
                "no such database"
            ),
            (
                "postgresql://qflux:\(secret)@127.0.0.1:\(pg.cluster.port)/qflux_test?sslmode=require", .unreachable,
                "SSL"
            ),
        ]
        for (uri, kind, words) in cases {
            #expect {
                _ = try PostgresConnection(uri: uri)
            } throws: { error in
                guard let e = error as? PostgresError else { return false }
                #expect(e.kind == kind, "\(e.message)")
                #expect(e.message.contains(words), "\(e.message)")
                #expect(!e.message.contains(secret), "the password leaked: \(e.message)")
                #expect(!e.message.contains("\n"), "\(e.message)")
                return true
            }
        }
        // The same through the CLI: exit 1, one line on stderr, no password.
        guard let qflux = builtQflux() else { return }
        let dir = TempDir()
        _ = try Self.writeArchive(dir.path, count: 30, seed: 1)
        for (uri, _, words) in cases {
            let run = try runWithEnvironment(
                qflux, ["export", dir.path, "--to", uri], environment: environmentWithoutPG())
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains(words) && !run.stderr.contains(secret), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }

    @Test(
        "a URI without a password connects with PGPASSWORD, with ~/.pgpass (HOME) and with PGPASSFILE; without any: bad credentials"
    )
    func passwordSources() throws {
        guard let qflux = builtQflux() else { return }
        let pg = try PostgresTestServer()
        let dir = TempDir()
        _ = try Self.writeArchive(dir.path + "/data", count: 40, seed: 2)
        let home = dir.path + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let uri = pg.uri(withPassword: false)
        let args = ["export", dir.path + "/data", "--to", uri]

        let none = try runWithEnvironment(qflux, args, environment: environmentWithoutPG(["HOME": home]))
        #expect(none.status == 1 && none.stderr.contains("bad credentials"), "\(none.stderr)")

        let env = try runWithEnvironment(
            qflux, args, environment: environmentWithoutPG(["HOME": home, "PGPASSWORD": pg.cluster.password]))
        #expect(env.status == 0, "\(env.stderr)")
        #expect(!env.stderr.contains(pg.cluster.password), "\(env.stderr)")

        let line = "127.0.0.1:\(pg.cluster.port):*:qflux:\(pg.cluster.password)\n"
        try line.write(toFile: home + "/.pgpass", atomically: true, encoding: .utf8)
        chmod(home + "/.pgpass", 0o600)
        let pgpass = try runWithEnvironment(qflux, args, environment: environmentWithoutPG(["HOME": home]))
        #expect(pgpass.status == 0, "\(pgpass.stderr)")

        let other = dir.path + "/other-pgpass"
        try line.write(toFile: other, atomically: true, encoding: .utf8)
        chmod(other, 0o600)
        let empty = dir.path + "/empty-home"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let file = try runWithEnvironment(
            qflux, args, environment: environmentWithoutPG(["HOME": empty, "PGPASSFILE": other]))
        #expect(file.status == 0, "\(file.stderr)")
        // Three successful loads of the same archive: its ticks once.
        #expect(pg.integer("SELECT count(*) FROM historical_ticks") == 40)
    }

    @Test(
        "qflux export --to twice: every archived tick once (pair, millisecond timestamp, price), the rerun adds nothing; --asset loads one asset"
    )
    func exportTwice() throws {
        guard let qflux = builtQflux() else { return }
        let pg = try PostgresTestServer()
        let dir = TempDir()
        let ticks = try Self.writeArchive(dir.path, count: 5_000, seed: 3)
        for round in 1...2 {
            let run = try ArchiveTestData.run(qflux, ["export", dir.path, "--to", pg.uri()])
            #expect(run.0 == 0, "\(run.1)")
            #expect(run.1.contains(round == 1 ? "5000 rows loaded" : "0 rows loaded"), "\(run.1)")
            #expect(!run.1.contains(pg.cluster.password), "\(run.1)")
        }
        #expect(pg.integer("SELECT count(*) FROM historical_ticks") == ticks.count)
        let rows = try pg.connect().query("SELECT pair, timestamp, price FROM historical_ticks")
        let stored = rows.map { "\($0[0]!)|\($0[1]!)|\(Double($0[2]!)!)" }.sorted()
        let expected = ticks.map { "\($0.asset)|\(Int64(($0.time * 1000).rounded()))|\($0.price)" }.sorted()
        #expect(stored == expected)
        #expect(pg.integer("SELECT count(*) FROM qflux_loaded_chunks") > 3)

        // Another database, one asset (spelled loosely).
        try pg.cluster.createDatabase("one_asset")
        let one = pg.cluster.uri(database: "one_asset")
        let run = try ArchiveTestData.run(qflux, ["export", dir.path, "--asset", "eurusd otc", "--to", one])
        #expect(run.0 == 0, "\(run.1)")
        let c = try PostgresConnection(uri: one)
        let counts = try c.query("SELECT pair, count(*) FROM historical_ticks GROUP BY pair")
        #expect(counts.count == 1 && counts.first?[0] == "EURUSD_otc")
        #expect(Int(counts.first?[1] ?? "") == ticks.filter { $0.asset == "EURUSD_otc" }.count)
    }
}
