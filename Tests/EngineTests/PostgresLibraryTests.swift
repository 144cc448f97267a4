import Testing

@testable import Postgres

/// libpq is loaded on the first connection (CLibPQ dlopens libpq.so.5): the errors when it cannot
/// be, and that the installed one has every function qflux calls.
@Suite("libpq loaded on first use")
struct PostgresLibraryTests {
    @Test("the installed libpq.so.5 opens and has every function qflux calls")
    func installedLibraryLoads() throws {
        try PostgresLibrary.probe("libpq.so.5")
        try PostgresLibrary.load()
        try PostgresLibrary.load()  // once per process: the second call finds it loaded
    }

    @Test("a missing library is one line naming it and the Debian package libpq5")
    func missingLibrary() {
        #expect {
            try PostgresLibrary.probe("libqflux-no-such-pq.so.5")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.kind == .clientLibrary && !error.needsReconnect
                && error.message.hasPrefix(
                    "PostgreSQL's client library libqflux-no-such-pq.so.5 cannot be loaded (install the Debian package libpq5): "
                )
                && !error.message.contains("\n")
        }
    }

    @Test("a library without libpq's functions is refused by the first one it lacks")
    func libraryWithoutTheFunctions() {
        #expect {
            try PostgresLibrary.probe("libc.so.6")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.kind == .clientLibrary
                && error.message == "libc.so.6 has no function PQconnectdbParams (install the Debian package libpq5)"
        }
    }
}
