import Foundation
import Testing

/// `qflux replay` stopped by a signal while it waits for more input on a pipe: it stops reading,
/// closes every chunk, prints its summary and exits 1 with one line saying so.
@Suite("qflux replay stopped by a signal")
struct ReplaySignalTests {
    @Test("SIGTERM and SIGHUP on a replay reading an open pipe", arguments: [SIGTERM, SIGHUP])
    func stopsCleanly(signal: Int32) throws {
        guard let binary = qfluxBinaryPath() else { throw CLITests.CLIError(message: "qflux binary not found") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "qflux-replay-signal-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = try Data(
            contentsOf: CLITests.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl"))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["replay", "-", "--collect-stream", "both", "--data-dir", dir]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(corpus)  // the pipe stays open: replay waits for more

        // wait until the ticks reached the archive writer's open chunks, then signal
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, Self.files(in: dir, suffix: ".open").isEmpty { usleep(50_000) }
        #expect(!Self.files(in: dir, suffix: ".open").isEmpty, "replay never opened a chunk")
        // let it take the rest of what was written (the pipe is empty) and wait on the open pipe
        func unread() -> Int32 {
            var n: Int32 = -1
            return ioctl(input.fileHandleForWriting.fileDescriptor, UInt(FIONREAD), &n) == 0 ? n : -1
        }
        #expect(waitUntil(20) { unread() == 0 }, "replay left \(unread()) bytes of its input unread")
        kill(process.processIdentifier, signal)

        let stopDeadline = Date().addingTimeInterval(15)
        while process.isRunning, Date() < stopDeadline { usleep(20_000) }
        if process.isRunning { process.terminate(); Issue.record("replay did not stop within 15 s") }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        #expect(process.terminationStatus == 1, "\(stderr)")
        let name = signal == SIGTERM ? "SIGTERM" : "SIGHUP"
        let replayed = try #require(
            stderr.firstMatch(of: /stopped by (\w+) before the end of the input: (\d+) ticks replayed/), "\(stderr)")
        #expect(String(replayed.1) == name)
        #expect(Int(replayed.2)! > 0)
        #expect(stderr.contains("qflux replay: "), "the summary is printed")
        #expect(Self.files(in: dir, suffix: ".open").isEmpty, "every chunk is closed")
        let verify = try CLITests.qflux(["verify", dir])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let export = try CLITests.qflux(["export", dir, "--kind", "ticks", "--format", "jsonl"])
        // nothing replayed is lost: the archive holds every tick the summary counts
        #expect(export.stdout.split(separator: "\n").count == Int(replayed.2)!)
    }

    static func files(in dir: String, suffix: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }
    }
}
