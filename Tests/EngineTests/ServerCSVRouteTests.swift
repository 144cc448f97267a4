import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing

/// The CSV API (`/api/available-csv-files`, `/api/csv-data/<filename>`) over raw HTTP: listing
/// JSON, chunked streaming, 404s, refused names, the stream limit, clients that leave.
@Suite("Server CSV API", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerCSVRouteTests {
    @Test("listing, filtered listing, a streamed CSV (chunked, parsed by position), 404, traversal refused")
    func routes() throws {
        let log = CSVSourceLog()
        let (server, _) = try makeTransportServer({ CSVTestDataSource(directory: $0, log: log) })
        defer { server.stop() }
        let run = try runTransportScript("csv", port: server.boundPort, timeout: 60)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let r = try #require(run.result, "no result: \(run.stdout.suffix(3000)) \(run.stderr.suffix(3000))")

        let list = try #require(r["list"] as? [Any])
        #expect(list[0] as? Int == 200)
        #expect(list[1] as? String == "application/json")
        let listing = try #require(list[2] as? [String: Any])
        #expect(listing["count"] as? Int == 3)
        let files = try #require(listing["files"] as? [[String: Any]])
        #expect(files.map { $0["filename"] as? String } == CSVTestDataSource.files.map(\.filename))
        #expect(files[0]["path"] as? String == "data_collect/1M_candles/EURUSD_otc_1m.csv")
        #expect(files[0]["asset"] as? String == "EURUSD_otc")
        #expect(files[0]["timeframe"] as? String == "1m")
        #expect(files[0]["size"] is NSNull)
        #expect(files[1]["size"] as? Int == 1234)
        let filtered = try #require((r["list_1m"] as? [Any])?[1] as? [String: Any])
        #expect(filtered["count"] as? Int == 1)
        #expect(r["list_bad_tf"] as? Int == 400)

        let csv = try #require(r["csv"] as? [String: Any])
        #expect(csv["status"] as? Int == 200)
        #expect(csv["content_type"] as? String == "text/csv; charset=utf-8")
        #expect(csv["transfer_encoding"] as? String == "chunked")
        #expect(csv["content_length"] is NSNull)
        let rows = CSVTestDataSource(directory: AssetDirectory(), log: CSVSourceLog()).rows
        let expectedBytes =
            "timestamp,open,close,high,low\n".utf8.count
            + (0..<rows).reduce(0) { $0 + CSVTestDataSource.row($1).utf8.count }
        #expect(csv["bytes"] as? Int == expectedBytes)
        #expect(csv["lines"] as? Int == rows + 1)
        #expect((csv["chunks"] as? Int ?? 0) > 10, "streamed in pieces, not whole: \(csv)")
        #expect(csv["header"] as? String == "timestamp,open,close,high,low")
        // parsed by position, as the GUI does: timestamp, open, close, high, low
        let first = try #require(csv["row1"] as? [String])
        #expect(first.count == 5)
        #expect(first[0] == "2023-11-14 22:13:20Z")
        #expect(first[1] == "1.10000" && first[2] == "1.10001" && first[3] == "1.10002" && first[4] == "1.9999")
        #expect((csv["last"] as? [String])?.count == 5)

        #expect(jsonText(r["empty"]) == jsonText([200, "chunked", 0] as [Any]), "\(r)")
        #expect(jsonText(r["missing"]) == jsonText([404, #"{"error":"File not found"}"#] as [Any]))

        let traversal = try #require(r["traversal"] as? [String: Any])
        for (path, status) in traversal {
            let refused = (status as? Int).map { $0 == 400 || $0 == 404 } ?? (status as? String == "closed")
            #expect(refused, "\(path) → \(status)")
        }
        // the data source never saw a name with a separator or a parent reference
        let seen = log.snapshot
        #expect(
            seen.opened.allSatisfy {
                !$0.contains("/") && !$0.contains("..") && !$0.contains("\\") && !$0.contains("\0")
            },
            "\(seen.opened)")
        #expect(Set(seen.opened) == ["EURUSD_otc_1m.csv", "empty.csv", "missing.csv"], "\(seen.opened)")
        #expect(seen.listed.contains(nil) && seen.listed.contains("1m"))
        #expect(eventually(3) { log.snapshot.released == 2 }, "every opened source released: \(log.snapshot)")
        #expect(eventually(3) { server.stats.httpStreams == 0 })
        #expect(server.stats.csvBytesSent == UInt64(expectedBytes))
    }

    @Test("a client that leaves mid-stream: reading stops, the source is released; the stream limit answers 503")
    func leaveAndLimit() throws {
        let log = CSVSourceLog()
        let (server, _) = try makeTransportServer({ CSVTestDataSource(directory: $0, log: log) }) {
            $0.maxHTTPStreams = 1
        }
        defer { server.stop() }
        let leave = try runTransportScript("csv_leave", port: server.boundPort, timeout: 30)
        #expect((leave.result?["got_head"] as? Bool) == true, "\(leave.stdout) \(leave.stderr.suffix(2000))")
        #expect(eventually(10) { log.snapshot.released == 1 }, "\(log.snapshot)")
        let pulledAfterLeave = log.snapshot.piecesPulled
        Thread.sleep(forTimeInterval: 1)  // an absence is tested (no reading after the client left): a fixed window
        #expect(log.snapshot.piecesPulled <= pulledAfterLeave + 1, "no reading after the client left: \(log.snapshot)")
        #expect(eventually(3) { server.stats.httpStreams == 0 })

        let busy = try runTransportScript("csv_busy", port: server.boundPort, timeout: 30)
        let b = try #require(busy.result, "\(busy.stdout) \(busy.stderr.suffix(2000))")
        #expect(b["first"] as? String == "HTTP/1.1 200")
        #expect(b["second"] as? Int == 503, "\(b)")
        #expect(b["listing"] as? Int == 503, "\(b)")
        #expect(server.stats.httpStreamsRefused == 2)
        #expect(eventually(10) { log.snapshot.released == 2 && server.stats.httpStreams == 0 }, "\(log.snapshot)")
    }

    @Test("--protect-http covers /api/*: 401 without the token, the listing with it")
    func protectedAPI() throws {
        let log = CSVSourceLog()
        let (server, _) = try makeTransportServer({ CSVTestDataSource(directory: $0, log: log) }) {
            $0.token = "s3cret"
            $0.protectHTTP = true
        }
        defer { server.stop() }
        #expect(try httpGet(port: server.boundPort, path: "/api/available-csv-files").status == 401)
        #expect(try httpGet(port: server.boundPort, path: "/api/csv-data/EURUSD_otc_1m.csv").status == 401)
        let listing = try httpGet(port: server.boundPort, path: "/api/available-csv-files?token=s3cret")
        #expect(listing.status == 200 && listing.body.contains("\"count\":3"), "\(listing)")
        #expect(log.snapshot.opened.isEmpty)
        #expect(server.stats.httpAuthFailures == 2)
    }

    @Test("CSV names: one plain path component only")
    func safeNames() {
        // what the route passes on (ServerCore is internal; the rule is mirrored by the live test above)
        let refused = [
            "", ".", "..", "../x.csv", "a/b.csv", "a\\b.csv", ".hidden", "x..y.csv", "a%2fb.csv", "a\u{0}b.csv",
            "c:x.csv",
        ]
        let accepted = ["EURUSD_otc_1m.csv", "GBPUSD 5m.csv", "#AAPL_otc-1m-000001.csv"]
        for name in refused { #expect(!csvNameAccepted(name), "\(name)") }
        for name in accepted { #expect(csvNameAccepted(name), "\(name)") }
    }

    /// The rule of `ServerCore.isSafeCSVName` as exposed through the server (a listing-free probe).
    private func csvNameAccepted(_ name: String) -> Bool {
        StreamServer.isSafeCSVFilename(name)
    }
}
