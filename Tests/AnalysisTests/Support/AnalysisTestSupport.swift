import Foundation
import Indicators

/// Paths, subprocesses and data helpers shared by the analysis tests.
enum AnalysisTestSupport {
    /// `Tests/AnalysisTests` (found from this file's path, so tests work from any clone).
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// `Tests/AnalysisTests/Scripts`.
    static let scriptsDirectory = testsDirectory.appendingPathComponent("Scripts")
    /// `Tests/AnalysisTests/Fixtures`.
    static let fixturesDirectory = testsDirectory.appendingPathComponent("Fixtures")

    /// Whether the environment says this is CI (`CI=true`): missing oracles then fail instead of skip.
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// `python3` on PATH, if any.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Whether python3 runs at all (the quantum_flux oracle needs nothing else).
    static let pythonAvailable: Bool = {
        guard let python else { return false }
        return (try? run(python, ["-c", "print(1)"], timeout: 30))?.status == 0
    }()

    /// Whether python3 can import talib and numpy (`pip install ta-lib numpy`).
    static let talibAvailable: Bool = {
        guard let python else { return false }
        let script = scriptsDirectory.appendingPathComponent("talib_oracle.py").path
        return (try? run(python, [script, "--check"], timeout: 60))?.status == 0
    }()

    /// A finished subprocess.
    struct Output {
        /// Exit status.
        var status: Int32
        /// Standard output.
        var stdout: Data
        /// Standard error.
        var stderr: String
    }

    /// Why a subprocess did not finish in time.
    struct Timeout: Error, CustomStringConvertible {
        /// What ran.
        var command: String
        /// The limit.
        var seconds: Double
        /// A readable message.
        var description: String { "\(command) did not finish within \(seconds) s (killed)" }
    }

    /// Runs a program with a hard time limit, collecting its output (stdin from `input`, if given).
    static func run(_ program: String, _ arguments: [String], input: Data? = nil, timeout: Double) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-analysis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("out")
        let errURL = tmp.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        p.standardOutput = outHandle
        p.standardError = errHandle
        if let input {
            let inURL = tmp.appendingPathComponent("in")
            try input.write(to: inURL)
            p.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        let finished = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in finished.signal() }
        try p.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            p.terminate()
            kill(p.processIdentifier, SIGKILL)
            _ = finished.wait(timeout: .now() + 5)
            throw Timeout(command: ([program] + arguments).joined(separator: " "), seconds: timeout)
        }
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: p.terminationStatus, stdout: try Data(contentsOf: outURL),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a script from `Scripts/` with python3.
    static func runScript(_ name: String, _ arguments: [String], input: Data? = nil, timeout: Double = 120) throws
        -> Output
    {
        guard let python else { throw Timeout(command: "python3 (not found on PATH)", seconds: 0) }
        return try run(
            python, [scriptsDirectory.appendingPathComponent(name).path] + arguments, input: input, timeout: timeout)
    }

    /// A fresh temporary file path.
    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("qflux-analysis-\(UUID().uuidString)\(suffix)")
    }

    /// Candles as the JSON list the Python scripts read (numbers written in shortest round-trip form).
    static func candlesJSON(_ candles: [AnalysisCandle]) -> String {
        var s = "["
        for (i, c) in candles.enumerated() {
            if i > 0 { s += "," }
            s +=
                "{\"timestamp\":\(c.timestamp),\"open\":\(c.open),\"high\":\(c.high),\"low\":\(c.low),\"close\":\(c.close),\"volume\":\(c.volume)}"
        }
        return s + "]"
    }

    /// Candles from a fixture CSV.
    static func fixtureCandles(_ name: String) throws -> [AnalysisCandle] {
        try CandleCSV.load(path: fixturesDirectory.appendingPathComponent(name).path)
    }
}
