import Archive
import Candles
import Demo
import Engine
import Foundation
import SocketIOServer

/// The original tool's decode pipeline in Python, run on the same corpus file: `json.loads` on
/// the perf-log entry, on its `message`, `base64.b64decode` of binary payloads, `json.loads` of
/// the payload (and of Socket.IO text events); counts the ticks so the work is checked.
enum PythonBaseline {
    enum Variant: String { case stdlib, orjson }

    struct Result { var seconds: Double; var ticks: Int }

    static let script = #"""
    import base64, sys, time
    variant, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if variant == "orjson":
        try:
            import orjson
        except ImportError:
            print("missing"); sys.exit(0)
        loads = orjson.loads
    else:
        import json
        loads = json.loads
    data = open(path, "rb").read().splitlines()
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        ticks = 0
        pending = {}
        for line in data:
            entry = loads(line)
            msg = loads(entry["message"])["message"]
            if msg.get("method") != "Network.webSocketFrameReceived":
                continue
            params = msg["params"]
            resp = params["response"]
            rid = params["requestId"]
            if resp["opcode"] == 1:
                text = resp["payloadData"]
                if text.startswith("451-"):
                    pending[rid] = loads(text[4:])[0]
                elif text.startswith("42"):
                    loads(text[2:])
                continue
            payload = loads(base64.b64decode(resp["payloadData"]))
            if pending.pop(rid, None) == "updateStream":
                ticks += len(payload)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    print(f"{best} {ticks}")
    """#

    /// `/usr/bin/env`, which finds `python3` on PATH; nil when it is missing.
    static func findPython() -> String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/env") ? "/usr/bin/env" : nil
    }

    /// Runs one variant; nil when the variant's module is missing.
    static func run(python: String, variant: Variant, file: String, runs: Int) throws -> Result? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["python3", "-c", script, variant.rawValue, file, String(runs)]
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
