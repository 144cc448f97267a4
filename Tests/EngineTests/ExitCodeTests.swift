import Foundation
import Testing

/// Exit statuses of the real `qflux` binary (see `qflux --help`): 1 and exactly one line
/// `qflux <command>: …` on standard error for a runtime failure, 64 for a usage error.
@Suite("qflux exit statuses", .serialized)
struct ExitCodeTests {
    static let runtimeFailure: Int32 = 1
    static let usageError: Int32 = 64
    /// Seconds a run may take; a stream that unexpectedly starts is stopped then (and fails the test).
    static let timeout = 20.0
    static let fixture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl").path

    static func qflux(_ args: [String]) throws -> ScriptRun {
        let binary = try #require(qfluxBinaryPath(), "no built qflux binary: run swift build --build-tests first")
        // A process that stops on a start-up error exits without tearing its objects down; under
        // AddressSanitizer (scripts/sanitize.sh) the leak report would add lines to the one line
        // this suite checks, so leak checking is off for these children (it stays on elsewhere).
        let asan = (ProcessInfo.processInfo.environment["ASAN_OPTIONS"].map { $0 + ":" } ?? "") + "detect_leaks=0"
        return try runProcess("/usr/bin/env", ["ASAN_OPTIONS=\(asan)", binary] + args, timeout: timeout)
    }

    /// Status 1 (or `status`), and standard error is one line starting `qflux <command>: `.
    static func expectFailure(
        _ run: ScriptRun, _ command: String, status: Int32 = runtimeFailure, mentioning text: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!run.timedOut, "qflux \(command) did not exit by itself", sourceLocation: sourceLocation)
        #expect(
            run.status == status, "exit status \(run.status), stderr: \(run.stderr)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line on stderr, got: \(run.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("qflux \(command): ") == true, "\(run.stderr)", sourceLocation: sourceLocation)
        if let text { #expect(run.stderr.contains(text), "\(run.stderr)", sourceLocation: sourceLocation) }
    }

    /// A regular file, removed at the end of the test: `<file>/x` is a path nothing can create,
    /// even as root.
    final class PlainFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-exit-\(UUID().uuidString)").path
        init() { _ = FileManager.default.createFile(atPath: path, contents: Data("not a directory".utf8)) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test("stream on a port that is already in use: exit 1, one line naming the address")
    func streamBusyPort() throws {
        let busy = try LocalListener()
        let run = try Self.qflux(["stream", "--demo", "--port", String(busy.port)])
        Self.expectFailure(run, "stream", mentioning: "cannot listen on 127.0.0.1:\(busy.port): Address already in use")
    }

    /// libwebsockets took a failed bind on a given address for an interface not up yet: it
    /// reported the port asked for, and the stream ran listening nowhere and exited 0. 192.0.2.1
    /// (TEST-NET-1) is never an address of this machine; binding fails locally, nothing is sent.
    @Test(
        "stream --bind to an address of another machine: exit 1, one line naming the address",
        arguments: ["3001", "0"])
    func streamForeignBindAddress(port: String) throws {
        let run = try Self.qflux(["stream", "--demo", "--bind", "192.0.2.1", "--port", port])
        Self.expectFailure(
            run, "stream", mentioning: "cannot listen on 192.0.2.1:\(port): Cannot assign requested address")
    }

    @Test("stream and replay with a --data-dir that cannot be created: exit 1, one line")
    func dataDirectoryNotCreatable() throws {
        let file = PlainFile()
        let stream = try Self.qflux([
            "stream", "--demo", "--port", "0", "--collect-stream", "tick", "--data-dir", file.path + "/x",
        ])
        Self.expectFailure(stream, "stream", mentioning: file.path + "/x")
        let replay = try Self.qflux([
            "replay", Self.fixture, "--collect-stream", "both", "--data-dir", file.path + "/x",
        ])
        Self.expectFailure(replay, "replay", mentioning: "Not a directory")
    }

    @Test("a missing input file or directory: exit 1, one line, for every command that reads one")
    func missingInput() throws {
        let missing = "/nonexistent/qflux-\(UUID().uuidString)"
        for command in ["decode", "replay"] {
            Self.expectFailure(
                try Self.qflux([command, missing]), command,
                mentioning: "cannot read \(missing): No such file or directory")
        }
        for command in ["export", "ls", "verify"] {
            Self.expectFailure(
                try Self.qflux([command, missing]), command, mentioning: "\(missing): no such directory")
        }
        Self.expectFailure(try Self.qflux(["decompress", missing]), "export")
        Self.expectFailure(try Self.qflux(["replay", NSTemporaryDirectory()]), "replay", mentioning: "Is a directory")
    }

    @Test("output that cannot be written: export --output under a file, decode into /dev/full: exit 1, one line")
    func outputNotWritable() throws {
        let file = PlainFile()
        let data = TempDir()
        let replay = try Self.qflux(["replay", Self.fixture, "-q", "--collect-stream", "tick", "--data-dir", data.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        Self.expectFailure(
            try Self.qflux(["export", data.path, "-q", "-o", file.path + "/out.csv"]), "export",
            mentioning: "cannot write \(file.path)/out.csv")
        let binary = try #require(qfluxBinaryPath())
        let full = try runProcess(
            "/bin/sh", ["-c", "exec \"$0\" decode -q \"$1\" > /dev/full", binary, Self.fixture], timeout: Self.timeout)
        Self.expectFailure(full, "decode", mentioning: "cannot write standard output")
    }

    @Test("verify on a damaged archive: the report on stdout, exit 1, one line on stderr")
    func verifyDamaged() throws {
        let data = TempDir()
        let replay = try Self.qflux(["replay", Self.fixture, "-q", "--collect-stream", "tick", "--data-dir", data.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        let clean = try Self.qflux(["verify", data.path])
        #expect(clean.status == 0 && clean.stderr.isEmpty, "\(clean.stderr)")
        let chunk = try #require(data.chunks().first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: chunk))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: chunk))
        let run = try Self.qflux(["verify", data.path])
        Self.expectFailure(run, "verify", mentioning: "1 of \(data.chunks().count) chunks damaged")
        #expect(run.stdout.contains("DAMAGED \(chunk)"))
    }

    @Test("usage errors exit 64: bad option values, a missing argument, an unknown command or help topic")
    func usageErrors() throws {
        let cases: [[String]] = [
            ["replay", "--timeframes", "7q"],
            ["export", NSTemporaryDirectory(), "--timeframe", "7q"],
            ["export", NSTemporaryDirectory(), "--from", "yesterday"],
            ["export"],
            ["stream", "--port", "70000"],
            ["stream", "--bind", "not-an-address"],
            ["stream", "--demo-rate", "0"],
            ["decode", "--no-such-option"],
            ["no-such-command"],
            ["help", "no-such-command"],
        ]
        for args in cases {
            let run = try Self.qflux(args)
            #expect(
                !run.timedOut && run.status == Self.usageError, "\(args): status \(run.status), stderr: \(run.stderr)")
            #expect(!run.stderr.isEmpty, "\(args): no message")
        }
    }

    @Test("help and version exit 0; --help documents the exit statuses")
    func helpDocumentsExitStatuses() throws {
        let top = try Self.qflux(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.contains("Exit status:"))
        for code in ["0 ", "1 ", "64 "] {
            #expect(top.stdout.contains("\n  \(code)"), "--help lacks exit status \(code)")
        }
        let verify = try Self.qflux(["help", "verify"])
        #expect(verify.status == 0 && verify.stdout.contains("Exit status: 0 when no chunk is damaged"))
        #expect(try Self.qflux(["--version"]).status == 0)
        #expect(try Self.qflux(["help", "stream"]).status == 0)
    }
}
