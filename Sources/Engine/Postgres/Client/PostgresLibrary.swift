import CLibPQ

/// libpq, loaded on the first connection rather than linked: its ~19 libraries (Kerberos, LDAP,
/// SASL, GnuTLS, …) no longer load at the start of every qflux command, only of those that
/// connect to PostgreSQL.
package enum PostgresLibrary {
    /// Loads libpq.so.5 once per process. Throws ``PostgresError`` of kind `.clientLibrary`
    /// (one line naming the Debian package `libpq5`) when it is missing or incomplete.
    package static func load() throws(PostgresError) {
        try call { qf_pq_load($0, $1) }
    }

    /// Opens and resolves the library `soname` as ``load()`` does, then closes it; the same
    /// error when it cannot. For tests of the error.
    package static func probe(_ soname: String) throws(PostgresError) {
        try call { qf_pq_probe(soname, $0, $1) }
    }

    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(PostgresError) {
        var error = [CChar](repeating: 0, count: 320)
        let ok = error.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if ok == 1 { return }
        throw PostgresError(.clientLibrary, error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
}
