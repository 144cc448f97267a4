import Foundation
import Testing

@testable import Archive

/// Issue 15 #6 with two real processes: two `qflux stream --collect-stream` on one `--data-dir`
/// once both exited 0 while ticks vanished. The second must be refused, the first must keep
/// every tick it logged.
@Suite("One writer per data directory, two qflux processes", .serialized)
struct DataDirectoryLockCLITests {
    @Test(
        "a second qflux stream on the same --data-dir exits non-zero naming the holder; the first archive stays complete"
    )
    func secondStreamRefused() throws {
        guard let qflux = builtQflux() else { return }
        let dir = TempDir()
        let data = dir.path + "/data"
        let tickLog = dir.path + "/ticks.jsonl"
        let first = try ChildProcess(
            qflux,
            [
                "stream", "--demo", "--demo-seed", "5", "--demo-rate", "400", "--demo-assets", "3",
                "--demo-tick-log", tickLog, "--collect-stream", "both", "--data-dir", data,
                "--tick-chunk-size", "50", "--port", "0",
            ])
        try #require(
            waitUntil(20) { first.log.contains("archiving both to") && loggedTicks(tickLog) >= 200 },
            "first stream did not start archiving: \(first.log.suffix(600))")

        let second = try ChildProcess(
            qflux,
            [
                "stream", "--demo", "--demo-seed", "6", "--collect-stream", "both",
                "--data-dir", data, "--port", "0",
            ])
        #expect(second.wait(timeout: 20), "the second writer kept running")
        #expect(second.process.terminationStatus != 0)
        let errorLines = second.log.split(separator: "\n").filter { $0.hasPrefix("qflux stream:") }
        #expect(errorLines.count == 1, "expected one error line, got: \(second.log.suffix(600))")
        let line = String(errorLines.first ?? "")
        #expect(line.contains("in use by another qflux writer"), "\(line)")
        #expect(line.contains("pid \(first.pid)"), "the message must name the holder: \(line)")

        // The first keeps archiving; stopped by SIGINT it flushes everything and exits 0.
        let before = loggedTicks(tickLog)
        #expect(waitUntil(10) { loggedTicks(tickLog) >= before + 200 }, "the first stream stopped producing ticks")
        kill(first.pid, SIGINT)
        #expect(first.wait(timeout: 20), "the first stream did not stop on SIGINT")
        #expect(first.process.terminationStatus == 0, "\(first.log.suffix(600))")

        let logged = loggedTicks(tickLog)
        let index = try ArchiveIndex.scan(directory: data)
        let archived = index.series.filter { $0.kind == .ticks }.reduce(0) { $0 + $1.records }
        #expect(logged >= 400)
        #expect(archived == logged, "archived \(archived) of \(logged) ticks the first stream logged")
        #expect(index.unreadable.isEmpty)
        #expect(index.series.allSatisfy { $0.openChunks == 0 })
    }
}

/// Lines in a text file now (0 when it does not exist yet).
private func loggedTicks(_ path: String) -> Int {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
    return text.split(separator: "\n").count
}
