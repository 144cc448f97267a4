import Foundation
import Testing

@testable import Archive

/// Issue 15, defect 8: SIGHUP (the terminal closed) must stop `qflux stream` like SIGTERM – flush,
/// close every chunk, exit 0 – instead of dying with status 129 and leaving `.open` chunks.
@Suite("Hardening: SIGHUP", .serialized)
struct HardeningSignalTests {
    @Test("SIGHUP while collecting: everything flushed and closed, exit 0, nothing lost")
    func sighup() throws {
        guard let qflux = builtQflux() else { return }
        let dir = TempDir()
        let args = [
            "stream", "--demo", "--demo-rate", "2000", "--demo-assets", "4", "--demo-seed", "13",
            "--port", "0", "--collect-stream", "both", "--data-dir", dir.path + "/data",
            "--tick-chunk-size", "500", "--demo-tick-log", dir.path + "/ticks.jsonl",
        ]
        let child = try QfluxChild(qflux, args)
        try #require(child.port() != nil, "stream did not start: \(child.stderr)")
        // ~1 s of ticks at least (slower on a loaded machine), then hang up.
        _ = waitUntil(30) { lineCount(dir.path + "/ticks.jsonl") >= 2000 }
        let exit = try #require(child.stop(SIGHUP, timeout: 15), "no exit within 15 s of SIGHUP")
        #expect(
            exit.reason == .exit && exit.status == 0,
            "reason \(exit.reason) status \(exit.status): \(child.stderr.suffix(600))")
        #expect(child.stderr.contains("stopped:"))

        let logged = try readTickLog(dir.path + "/ticks.jsonl")
        let (archived, chunks) = try readArchivedTicks(dir.path + "/data")
        #expect(!chunks.isEmpty)
        #expect(!chunks.contains { $0.isOpen }, "open chunks left: \(chunks.filter(\.isOpen).map(\.path))")
        #expect(chunks.allSatisfy { $0.condition == .complete })
        #expect(archived.values.reduce(0) { $0 + $1.count } == logged.count)
    }
}
