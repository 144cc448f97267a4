import CLibPQ
import Foundation

/// One libpq connection (`PGconn`), used by one thread at a time. Every `PGresult` it creates is
/// cleared before the call returns; the connection is finished in `deinit`. Everything above it
/// throws ``PostgresError``.
///
/// The URI is handed to libpq as it is (`expand_dbname`), so libpq does what it documents:
/// `sslmode` and the other TLS parameters, the password from the URI, the `PG*` environment
/// variables (`PGPASSWORD`, `PGHOST`, …) and `~/.pgpass` (or `PGPASSFILE`). qflux only adds
/// `connect_timeout=5` and `application_name=qflux` where the URI does not set them.
package final class PostgresConnection {
    private let connection: OpaquePointer
    /// The URI without its password, for messages.
    package let redactedURI: String

    /// Connects (blocking). Throws ``PostgresError`` with kind `.unreachable`, `.authentication`,
    /// `.missingDatabase` or `.badURI`, and one line naming the redacted URI.
    package init(uri: String, connectTimeout: Int = 5) throws(PostgresError) {
        redactedURI = PostgresURI.redact(uri)
        try PostgresLibrary.load()
        let pairs = [("connect_timeout", String(connectTimeout)), ("application_name", "qflux"), ("dbname", uri)]
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        var keywordPointers: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer($0) } + [nil]
        var valuePointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        guard let c = qf_PQconnectdbParams(&keywordPointers, &valuePointers, 1) else {
            throw PostgresError(.unreachable, "cannot connect to PostgreSQL at \(redactedURI): out of memory")
        }
        guard qf_PQstatus(c) == QF_PQ_CONNECTION_OK else {
            let detail = PostgresError.oneLine(String(cString: qf_PQerrorMessage(c)))
            qf_PQfinish(c)
            let kind = Self.classify(detail)
            let what: String
            switch kind {
            case .authentication: what = "bad credentials"
            case .missingDatabase: what = "no such database"
            case .badURI: what = "bad connection URI"
            default: what = "server unreachable"
            }
            throw PostgresError(kind, "cannot connect to PostgreSQL at \(redactedURI): \(what) (\(detail))")
        }
        // Server NOTICEs ("relation … already exists, skipping") would go to stderr otherwise.
        qf_PQsetQuietNoticeProcessor(c)
        connection = c
    }

    deinit { qf_PQfinish(connection) }

    /// A connect failure's kind, from libpq's message (libpq has no SQLSTATE before the
    /// connection exists).
    static func classify(_ detail: String) -> PostgresError.Kind {
        let d = detail.lowercased()
        if d.contains("password authentication failed") || d.contains("no password supplied")
            || d.contains("authentication failed") || d.contains("pg_hba.conf")
            || d.contains("role \"") && d.contains("does not exist")
        {
            return .authentication
        }
        if d.contains("database \"") && d.contains("does not exist") { return .missingDatabase }
        if d.contains("invalid uri") || d.contains("invalid connection option") || d.contains("missing \"=\"")
            || d.contains("invalid sslmode") || d.contains("invalid integer value")
            || d.contains("unexpected spaces") || d.contains("invalid percent-encoded")
        {
            return .badURI
        }
        return .unreachable
    }

    /// False once libpq has seen the connection break.
    package var isUsable: Bool { qf_PQstatus(connection) == QF_PQ_CONNECTION_OK }

    /// The server's version number (150018 for 15.18).
    package var serverVersion: Int { Int(qf_PQserverVersion(connection)) }

    /// Runs one or more statements without parameters; rows are discarded.
    package func execute(_ sql: String) throws(PostgresError) {
        let result = qf_PQexec(connection, sql)
        defer { qf_PQclear(result) }
        try check(result, sql)
    }

    /// Runs one statement with text parameters (`$1`, `$2`…; nil is SQL NULL) and returns its
    /// rows as text (nil for NULL).
    @discardableResult
    package func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in copies { free(pointer) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeBufferPointer {
            qf_PQexecParams(connection, sql, Int32(parameters.count), $0.baseAddress)
        }
        defer { qf_PQclear(result) }
        try check(result, sql)
        var rows: [[String?]] = []
        let columns = qf_PQnfields(result)
        for row in 0..<qf_PQntuples(result) {
            rows.append(
                (0..<columns).map { column in
                    qf_PQgetisnull(result, row, column) != 0 ? nil : String(cString: qf_PQgetvalue(result, row, column))
                })
        }
        return rows
    }

    /// `COPY … FROM STDIN`: starts it, lets `body` send data through ``sendCopyData(_:)``, ends
    /// it and returns the rows copied. When `body` throws, the COPY is aborted (nothing of it is
    /// kept) and the error passes on.
    @discardableResult
    package func copyIn(_ sql: String, _ body: () throws(PostgresError) -> Void) throws(PostgresError) -> Int {
        let start = qf_PQexec(connection, sql)
        let status = qf_PQresultStatus(start)
        if status != QF_PQ_COPY_IN {
            defer { qf_PQclear(start) }
            try check(start, sql)
            throw PostgresError(.statement, "PostgreSQL did not start the COPY: \(sql.prefix(60))")
        }
        qf_PQclear(start)
        do {
            try body()
        } catch {
            _ = qf_PQputCopyEnd(connection, "qflux: aborted")
            drainResults()
            throw error
        }
        guard qf_PQputCopyEnd(connection, nil) == 1 else { throw lost("ending a COPY") }
        var rows = 0
        var failure: PostgresError?
        while let result = qf_PQgetResult(connection) {
            if failure == nil {
                do throws(PostgresError) {
                    try check(result, sql)
                    rows += Int(String(cString: qf_PQcmdTuples(result))) ?? 0
                } catch {
                    failure = error
                }
            }
            qf_PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    /// Sends COPY data (any split: libpq and the server join the pieces).
    package func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        guard bytes.count > 0 else { return }
        let sent = bytes.withMemoryRebound(to: CChar.self) {
            qf_PQputCopyData(connection, $0.baseAddress, Int32($0.count))
        }
        guard sent == 1 else { throw lost("sending COPY data") }
    }

    private func drainResults() {
        while let result = qf_PQgetResult(connection) { qf_PQclear(result) }
    }

    private func lost(_ doing: String) -> PostgresError {
        PostgresError(
            .connectionLost,
            "PostgreSQL connection to \(redactedURI) lost while \(doing) (\(PostgresError.oneLine(String(cString: qf_PQerrorMessage(connection)))))"
        )
    }

    /// Throws for a result that is not a success; a broken connection is `.connectionLost`.
    private func check(_ result: OpaquePointer?, _ sql: String) throws(PostgresError) {
        let status = result.map(qf_PQresultStatus) ?? QF_PQ_FATAL_ERROR
        if status == QF_PQ_COMMAND_OK || status == QF_PQ_TUPLES_OK || status == QF_PQ_EMPTY_QUERY { return }
        if qf_PQstatus(connection) != QF_PQ_CONNECTION_OK || result == nil {
            throw lost("running \(Self.verb(sql))")
        }
        let message = PostgresError.oneLine(String(cString: qf_PQresultErrorMessage(result)))
        let state = qf_PQresultErrorField(result, QF_PQ_DIAG_SQLSTATE).map { String(cString: $0) }
        // The server going away (57P01 admin shutdown, 57P02, 57P03), a connection exception
        // (08…), resources (53…: disk full, too many connections) or a serialization failure
        // or deadlock (40…): worth a new connection and another try, not a refusal.
        if let state, ["08", "57P", "53", "40"].contains(where: { state.hasPrefix($0) }) {
            throw PostgresError(
                .connectionLost, "PostgreSQL at \(redactedURI) failed \(Self.verb(sql)): \(message)", sqlState: state)
        }
        throw PostgresError(.statement, "PostgreSQL refused \(Self.verb(sql)): \(message)", sqlState: state)
    }

    /// The statement's first words (no values), for messages.
    private static func verb(_ sql: String) -> String {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")
    }
}
