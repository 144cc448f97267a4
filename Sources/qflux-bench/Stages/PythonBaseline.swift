import Archive
import Candles
import Demo
import Engine
import Foundation
import SocketIOServer

/// The original tool's decode pipeline in Python (Scripts/decode_python_baseline.py), run on the
/// same corpus file: `json.loads` on the perf-log entry, on its `message`, `base64.b64decode` of
/// binary payloads, `json.loads` of the payload (and of Socket.IO text events); counts the ticks
/// so the work is checked.
enum PythonBaseline {
    enum Variant: String { case stdlib, orjson }

    struct Result { var seconds: Double; var ticks: Int }

    /// `/usr/bin/env`, which finds `python3` on PATH; nil when it is missing.
    static func findPython() -> String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/env") ? "/usr/bin/env" : nil
    }

    /// Runs one variant of `script` (the path of decode_python_baseline.py); nil when the
    /// variant's module is missing.
    static func run(python: String, script: String, variant: Variant, file: String, runs: Int) throws -> Result? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["python3", script, variant.rawValue, file, String(runs)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text == "missing" { return nil }
        let parts = text.split(separator: " ")
        guard process.terminationStatus == 0, parts.count == 2, let s = Double(parts[0]), let t = Int(parts[1]) else {
            throw BenchError("python baseline (\(variant.rawValue)) failed: \(text.prefix(200))")
        }
        return Result(seconds: s, ticks: t)
    }
}
