import Testing

@testable import Postgres

@Suite("PostgreSQL URIs in messages")
struct PostgresURITests {
    @Test("the password of a URI, a password= parameter or keyword is replaced by ***; the rest stays")
    func redaction() {
        #expect(
            PostgresURI.redact("postgresql://qflux:s3cr%40t@db.example:5432/ticks?sslmode=require")
                == "postgresql://qflux:***@db.example:5432/ticks?sslmode=require")
        #expect(PostgresURI.redact("postgres://u:p@h/d") == "postgres://u:***@h/d")
        #expect(
            PostgresURI.redact("postgresql://u@h/d?password=pw&sslmode=verify-full")
                == "postgresql://u@h/d?password=***&sslmode=verify-full")
        #expect(PostgresURI.redact("host=h password=pw dbname=d") == "host=h password=*** dbname=d")
        #expect(PostgresURI.redact("postgresql://h:5432/d") == "postgresql://h:5432/d")
        #expect(PostgresURI.redact("mysql://x:pw@h/d") == "mysql://x:***@h/d")
        // '@' inside the password (percent-encoding forgotten): the last '@' ends the user info
        #expect(PostgresURI.redact("postgresql://u:a@b@h/d") == "postgresql://u:***@h/d")
    }

    @Test("libpq's connect messages are classified: refused, bad password, no password, missing database")
    func classification() {
        #expect(
            PostgresConnection.classify("connection to server at \"127.0.0.1\", port 1 failed: Connection refused")
                == .unreachable)
        #expect(
            PostgresConnection.classify("failed: FATAL:  password authentication failed for user \"qflux\"")
                == .authentication)
        #expect(PostgresConnection.classify("fe_sendauth: no password supplied") == .authentication)
        #expect(PostgresConnection.classify("FATAL:  database \"nope\" does not exist") == .missingDatabase)
        #expect(PostgresConnection.classify("invalid sslmode value: \"sometimes\"") == .badURI)
    }
}
