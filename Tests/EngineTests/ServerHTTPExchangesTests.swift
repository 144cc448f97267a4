import Foundation
import Testing

@testable import SocketIOServer

/// HTTP exchanges and REST (``HTTPExchanges``) without a server: the exchange table, asynchronous
/// results, parked connections, API routes and the plain answers.
@Suite("Server HTTP exchanges")
struct ServerHTTPExchangesTests {
    private static var conn: OpaquePointer { OpaquePointer(bitPattern: 0x1000)! }
    private static var other: OpaquePointer { OpaquePointer(bitPattern: 0x2000)! }

    private final class Pieces: CSVBodySource {
        var left: [[UInt8]]
        init(_ pieces: [[UInt8]]) { left = pieces }
        func nextPiece() throws -> [UInt8]? { left.isEmpty ? nil : left.removeFirst() }
    }

    @Test("an exchange is found by its connection's key only on its own connection")
    func table() {
        let x = HTTPExchanges()
        x[7] = HTTPExchange(connection: 7, request: 1, wsi: Self.conn, kind: .waiting)
        #expect(x.exchange(key: 7, on: Self.conn) != nil)
        #expect(x.exchange(key: 7, on: Self.other) == nil)
        #expect(x.exchange(key: 8, on: Self.conn) == nil)
        x[7] = nil
        #expect(x.isEmpty)
    }

    @Test("results apply to the request still under way, and stale ones are dropped")
    func results() throws {
        let x = HTTPExchanges()
        let ex = HTTPExchange(connection: 7, request: 2, wsi: Self.conn, kind: .waiting)
        x[7] = ex
        let answer = HTTPAnswer(status: 200, contentType: "text/plain", body: [1])
        #expect(x.apply(.answer(connection: 7, request: 1, answer)) == nil)  // an earlier request's
        #expect(x.apply(.answer(connection: 9, request: 2, answer)) == nil)  // another connection's
        let counters = ServerCounters()
        let body = CSVStreamBody(
            source: Pieces([[1, 2], [], [3]]),
            slot: HTTPSlot(counters, byAddress: HTTPSlotsByAddress(), address: "a"))
        #expect(x.apply(.streamOpened(connection: 7, request: 2, body, first: try body.next())) == Self.conn)
        guard case .stream(let st) = ex.kind else { Issue.record("not a stream"); return }
        #expect(st.ready == [1, 2])
        st.fetching = true
        #expect(try body.next() == [3])  // the empty piece is skipped
        #expect(x.apply(.streamPiece(connection: 7, request: 2, piece: nil, failed: false)) == Self.conn)
        #expect(st.ended && !st.fetching)
        #expect(x.apply(.answer(connection: 7, request: 2, answer)) == nil)  // no longer waiting
    }

    @Test("a parked connection whose peer closed is reported; one still quiet is not")
    func parked() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]) }
        let x = HTTPExchanges()
        let ex = HTTPExchange(connection: 1, request: 1, wsi: Self.conn, kind: .poll(session: 5))
        x[1] = ex
        x[2] = HTTPExchange(
            connection: 2, request: 2, wsi: Self.other,
            kind: .answer(HTTPAnswer(status: 200, contentType: "", body: [])))
        let fd: (OpaquePointer) -> Int32 = { $0 == Self.conn ? fds[0] : -1 }
        #expect(x.readableParked(now: HTTPExchanges.parkedCheckInterval, fd: fd).isEmpty)
        close(fds[1])
        // looked at most every 10 ms
        #expect(x.readableParked(now: HTTPExchanges.parkedCheckInterval + 1, fd: fd).isEmpty)
        let readable = x.readableParked(now: 2 * HTTPExchanges.parkedCheckInterval, fd: fd)
        #expect(readable.count == 1 && readable.first === ex)
    }

    @Test("API routes: listing, CSV data, invalid names and timeframes, anything else")
    func apiRoutes() {
        #expect(HTTPExchanges.apiRoute(path: "/api/available-csv-files", timeframe: nil) == .list(timeframe: nil))
        #expect(HTTPExchanges.apiRoute(path: "/api/available-csv-files/", timeframe: "") == .list(timeframe: nil))
        #expect(HTTPExchanges.apiRoute(path: "/api/available-csv-files", timeframe: "1m") == .list(timeframe: "1m"))
        #expect(
            HTTPExchanges.apiRoute(path: "/api/available-csv-files", timeframe: "1m;x")
                == .invalid("{\"error\":\"Invalid timeframe\"}"))
        #expect(HTTPExchanges.apiRoute(path: "/api/csv-data/EURUSD_1m.csv", timeframe: nil) == .csv("EURUSD_1m.csv"))
        #expect(
            HTTPExchanges.apiRoute(path: "/api/csv-data/..", timeframe: nil)
                == .invalid("{\"error\":\"Invalid filename\"}"))
        #expect(HTTPExchanges.apiRoute(path: "/api/other", timeframe: nil) == .other)
        for bad in ["", ".hidden", "a/b", "a\\b", "a%2e", "a:b", "x\u{7F}", String(repeating: "a", count: 256)] {
            #expect(!HTTPExchanges.isSafeCSVName(bad), "\(bad)")
        }
        #expect(HTTPExchanges.isSafeTimeframe("tick") && !HTTPExchanges.isSafeTimeframe("1234567890123"))
    }

    @Test("plain answers: the page, 404 with the path, none for /health and /metrics")
    func plainAnswers() {
        #expect(HTTPExchanges.staticAnswer(path: "/")?.status == 200)
        #expect(HTTPExchanges.staticAnswer(path: "/health") == nil)
        let missing = HTTPExchanges.staticAnswer(path: "/nope\"")
        #expect(missing?.status == 404)
        #expect(
            missing.map { String(decoding: $0.body, as: UTF8.self) }
                == "{\"error\":\"not found\",\"path\":\"/nope\\\"\"}")
        let files = [AvailableFile(filename: "E_1m.csv", asset: "E", timeframe: "1m", path: "/d/E_1m.csv", size: nil)]
        #expect(
            String(decoding: HTTPExchanges.csvListingJSON(files), as: UTF8.self)
                == "{\"files\":[{\"path\":\"/d/E_1m.csv\",\"filename\":\"E_1m.csv\",\"asset\":\"E\",\"timeframe\":\"1m\",\"size\":null}],\"count\":1}"
        )
    }
}
