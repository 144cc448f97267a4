import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import Foundation
import SocketIOServer
import Testing

/// The `qflux` executable as users run it: outputs, summaries, exit statuses, help.
@Suite("qflux command line")
struct CLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FastDecodeTests/Fixtures")

    static func qflux(_ args: [String], stdin: Data? = nil) throws -> ScriptRun {
        guard let binary = qfluxBinaryPath() else {
            throw CLIError(message: "qflux binary not found: build it first (swift build --build-tests)")
        }
        return try runProcess(binary, args, stdin: stdin, timeout: 60)
    }

    struct CLIError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    @Test("decode: one JSON object per market event, summary on stderr, exit 0")
    func decode() throws {
        let file = Self.fixtures.appendingPathComponent("pocketoption-20250903_003350.perflog.jsonl").path
        let run = try Self.qflux(["decode", file])
        #expect(run.status == 0)
        let objects = run.stdout.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.filter { $0["type"] as? String == "tick" }.count == 148)
        #expect(objects.filter { $0["type"] as? String == "history" }.count == 2)
        #expect(objects.filter { $0["type"] as? String == "chart" }.count == 1)
        let first = try #require(objects.first { $0["type"] as? String == "tick" })
        #expect(first["asset"] as? String == "AUDCAD_otc")
        #expect(run.stdout.contains("\"time\":1756866774.962,\"price\":0.85443"))
        #expect(run.stderr.contains("349 lines"))
        #expect(run.stderr.contains("148 ticks"))
        #expect(run.stderr.contains("malformed: 0"))
    }

    @Test("decode reads standard input and counts malformed lines without failing")
    func decodeStdinWithGarbage() throws {
        let lines = try String(
            contentsOf: Self.fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl"), encoding: .utf8
        )
        .split(separator: "\n").prefix(6).joined(separator: "\n")
        let input = Data((lines + "\n{\"truncated\":\n\u{1}garbage\n").utf8)
        let run = try Self.qflux(["decode", "-"], stdin: input)
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 3)
        #expect(run.stderr.contains("malformed: 2"))
    }

    @Test("a file that can't be read is a clear error and exit status 1")
    func unreadable() throws {
        let run = try Self.qflux(["decode", "/nonexistent/capture.jsonl"])
        #expect(run.status == 1)
        #expect(run.stderr == "qflux decode: cannot read /nonexistent/capture.jsonl: No such file or directory\n")
        let dir = try Self.qflux(["replay", "/tmp"])
        #expect(dir.status == 1)
    }

    @Test("replay --print candles writes closed candles as JSON lines")
    func replayCandles() throws {
        let file = Self.fixtures.appendingPathComponent("pocketoption-20250903_012215.cdp.jsonl").path
        let run = try Self.qflux(["replay", file, "--print", "candles", "--timeframes", "5s,1m"])
        #expect(run.status == 0, "\(run.stderr)")
        let candles = run.stdout.split(separator: "\n").map {
            try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(candles.count > 10)
        #expect(candles.allSatisfy { $0["type"] as? String == "candle" && [5, 60].contains($0["timeframe"] as? Int) })
        #expect(
            candles.allSatisfy {
                ($0["low"] as! Double) <= ($0["open"] as! Double) && ($0["open"] as! Double) <= ($0["high"] as! Double)
            })
        #expect(run.stderr.contains("qflux replay:"))
    }

    @Test("--help explains the commands and options")
    func help() throws {
        let top = try Self.qflux(["--help"])
        for word in ["stream", "decode", "replay", "export", "ls", "verify"] { #expect(top.stdout.contains(word)) }
        let stream = try Self.qflux(["stream", "--help"])
        for option in [
            "--demo", "--cdp", "--target", "--collect-stream", "--data-dir", "--timeframes", "--follow-chart",
            "--token", "--bind",
        ] {
            #expect(stream.stdout.contains(option), "stream --help lacks \(option)")
        }
        let bad = try Self.qflux(["replay", "--timeframes", "7q"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("7q"))
    }
}
