import Foundation
import Testing

/// `GET /api/signals` of a real `qflux stream` over the journal `qflux replay --signals` wrote,
/// fetched with a plain HTTP client: the entries equal `qflux export --kind signals`, pages follow
/// `next_since` without losing or repeating one, bad arguments are 400.
@Suite("Signal journal over HTTP", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct SignalsHTTPTests {
    @Test("/api/signals serves the journal, paged by since and limit; bad arguments are 400")
    func journalOverHTTP() throws {
        let dir = TempDir()
        let capture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_012215.cdp.jsonl").path
        let replay = try CLITests.qflux([
            "replay", capture, "--signals", "quantum_flux@5s", "--timeframes", "5s", "--data-dir", dir.path,
            "--collect-stream", "candle", "-q",
        ])
        try #require(replay.status == 0, "\(replay.stderr)")
        let export = try CLITests.qflux(["export", dir.path, "--kind", "signals", "--format", "jsonl", "-q"])
        try #require(export.status == 0, "\(export.stderr)")
        let expected = SignalJournalReplayTests.jsonLines(export.stdout)
        #expect(expected.count == 9)

        let qflux = try #require(qfluxBinaryPath(), "qflux binary not built")
        let stream = try ChildProcess(qflux, ["stream", "--demo", "--port", "0", "--data-dir", dir.path])
        defer { stream.kill() }
        var base: String?
        #expect(
            waitUntil(20) {
                base = stream.log.firstMatch(of: /open (http:\/\/127\.0\.0\.1:\d+)\//).map { String($0.1) }
                return base != nil
            }, "\(stream.log.suffix(600))")
        let url = try #require(base)
        let run = try runProcess(
            "/usr/bin/env",
            ["python3", serverScriptsDirectory.appendingPathComponent("signals_api_fetch.py").path, url, "4"],
            timeout: 60)
        let r = try #require(run.result, "\(run.stdout.suffix(1500)) \(run.stderr.suffix(1500))")

        let all = try #require(r["all"] as? [String: Any])
        #expect(all["status"] as? Int == 200)
        #expect(all["type"] as? String == "application/json")
        let body = try #require(all["body"] as? [String: Any])
        let served = try #require(body["signals"] as? [[String: Any]])
        #expect(body["count"] as? Int == served.count)
        #expect(body["next_since"] is NSNull)
        #expect((served as NSArray).isEqual(to: expected), "served \(served.count), exported \(expected.count)")

        // Pages of at most 4 (never splitting a second) add up to the whole journal, in order.
        let pages = try #require(r["pages"] as? [[String: Any]])
        #expect(pages.count >= 3)
        var joined: [[String: Any]] = []
        for p in pages {
            #expect(p["status"] as? Int == 200)
            let b = try #require(p["body"] as? [String: Any])
            let rows = try #require(b["signals"] as? [[String: Any]])
            #expect(rows.count <= 4 && rows.count == b["count"] as? Int)
            joined += rows
        }
        #expect((joined as NSArray).isEqual(to: expected))

        let bad = try #require(r["bad"] as? [String: Int])
        #expect(bad.count == 3 && bad.values.allSatisfy { $0 == 400 }, "\(bad)")
    }
}
