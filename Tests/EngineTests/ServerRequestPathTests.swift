import Foundation
import SocketIOServer
import Testing

/// Control characters in a request path (issue 28, defect 14): libwebsockets ends the decoded path
/// at a `%0d` or `%0a` and reads the rest of the request line as a header, so
/// `/api/csv-data/NAME%0d%0a…` reached the route as `/api/csv-data/NAME` and got 200.
@Suite("Server request paths", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerRequestPathTests {
    @Test("a path with an encoded CR, LF or other control character gets 400 on every route")
    func controlCharacters() throws {
        let log = CSVSourceLog()
        let (server, _) = try makeTransportServer({ CSVTestDataSource(directory: $0, log: log) })
        defer { server.stop() }
        let port = server.boundPort
        #expect(try httpGet(port: port, path: "/api/csv-data/EURUSD_otc_1m.csv").status == 200)
        for suffix in ["%0d%0a", "%0d%0aX-Injected:%201", "%0a", "%0d", "%09", "%7f", "%1b[2J"] {
            #expect(
                try httpGet(port: port, path: "/api/csv-data/EURUSD_otc_1m.csv" + suffix).status == 400, "\(suffix)")
            #expect(try httpGet(port: port, path: "/health" + suffix).status == 400, "\(suffix)")
        }
        // only the clean request reached the data source
        #expect(log.snapshot.opened == ["EURUSD_otc_1m.csv"], "\(log.snapshot.opened)")
        #expect(try httpGet(port: port, path: "/health").status == 200)
    }
}
