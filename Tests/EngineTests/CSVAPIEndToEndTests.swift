import Foundation
import Testing

/// The CSV API of a real `qflux stream` over an archive `qflux replay` wrote, fetched with a plain
/// HTTP client as the original GUI does and parsed by position: the rows equal `qflux export`'s.
@Suite("CSV API end to end", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct CSVAPIEndToEndTests {
    @Test("listing and CSV bodies of a stream's --data-dir (not collecting) equal qflux export; traversal refused")
    func csvAPI() throws {
        let fixture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-csvapi-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let replay = try CLITests.qflux([
            "replay", fixture, "--collect-stream", "both", "--data-dir", dir, "--timeframes", "1m",
        ])
        try #require(replay.status == 0, "\(replay.stderr)")

        let qflux = try #require(qfluxBinaryPath(), "qflux binary not built")
        let stream = try ChildProcess(qflux, ["stream", "--demo", "--port", "0", "--data-dir", dir])
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
            [
                "python3", serverScriptsDirectory.appendingPathComponent("csv_api_fetch.py").path,
                url, "AUDCAD_otc",
            ], timeout: 60)
        let r = try #require(run.result, "\(run.stdout.suffix(1500)) \(run.stderr.suffix(1500))")

        let listing = try #require(r["listing"] as? [String: Any])
        #expect(listing["status"] as? Int == 200)
        let body = try #require(listing["body"] as? [String: Any])
        let files = try #require(body["files"] as? [[String: Any]])
        #expect(body["count"] as? Int == files.count)
        // one entry per asset × kind/timeframe, whole history, real names, .csv names
        let keys = files.map { "\($0["asset"] as? String ?? "")/\($0["timeframe"] as? String ?? "")" }
        #expect(Set(keys).count == keys.count, "\(keys)")
        #expect(files.allSatisfy { ($0["filename"] as? String)?.hasSuffix(".csv") == true })
        #expect(keys.contains("AUDCAD_otc/1m") && keys.contains("AUDCAD_otc/tick"), "\(keys)")
        let ticksOnly = try #require((r["ticks_only"] as? [String: Any])?["files"] as? [[String: Any]])
        #expect(!ticksOnly.isEmpty && ticksOnly.allSatisfy { $0["timeframe"] as? String == "tick" })

        let csvs = try #require(r["csv"] as? [String: [String: Any]])
        var checked = 0
        for (name, c) in csvs {
            #expect(c["status"] as? Int == 200, "\(name)")
            #expect((c["type"] as? String)?.hasPrefix("text/csv") == true)
            let rows = try #require(c["rows"] as? [[String]])
            let timeframe = try #require(c["timeframe"] as? String)
            let args = timeframe == "tick" ? ["--kind", "ticks"] : ["--kind", "candles", "--timeframe", timeframe]
            let export = try CLITests.qflux(["export", dir, "--asset", "AUDCAD_otc", "--format", "csv"] + args)
            #expect(export.status == 0, "\(export.stderr)")
            let expected = export.stdout.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            #expect(rows == expected, "\(name): served CSV differs from qflux export")
            // by position, as the GUI parses them
            #expect(
                rows.first
                    == (timeframe == "tick"
                        ? ["timestamp", "asset", "price"] : ["timestamp", "open", "close", "high", "low"]))
            #expect(rows.count > 1)
            checked += 1
        }
        #expect(checked >= 2)

        let traversal = try #require(r["traversal"] as? [String: Int])
        for (path, status) in traversal { #expect(status == 400 || status == 404, "\(path) → \(status)") }
    }
}
