import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer
import Synchronization
import Testing

/// A data source with fixed history and files, for server tests.
struct FakeDataSource: StreamServerDataSource {
    let directory: AssetDirectory

    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        let base = Double(asset.rawValue + 1)
        let candles = (0..<3).map { i in
            Candle(
                asset: asset, timeframe: timeframe, start: 1_700_000_000 + Int64(i * timeframe.seconds),
                open: base, high: base + 0.5, low: base - 0.5, close: base + Double(i) / 10, ticks: 10 + i)
        }
        return CandleHistory(candles: candles, source: "fake")
    }

    func availableFiles() throws -> [AvailableFile] {
        [
            AvailableFile(
                filename: "EURUSD_otc-1m-000001.qfc.lz4", asset: "EURUSD_otc", timeframe: "1m",
                path: "/data/EURUSD_otc/1m/EURUSD_otc-1m-000001.qfc.lz4")
        ]
    }

    func health() -> HealthSnapshot { HealthSnapshot(ticks: 1234, candleUpdates: 99, lastTickTime: 1_700_000_123.5) }

    func metricsText() -> String { "# TYPE qflux_fake_total counter\nqflux_fake_total 7\n" }
}

/// A server on 127.0.0.1 with a free port, two known assets and a fake data source.
func makeTestServer(_ tweak: (inout StreamServerConfig) -> Void = { _ in }) throws -> (StreamServer, AssetDirectory) {
    try makeServer({ FakeDataSource(directory: $0) }, tweak)
}

/// A server on 127.0.0.1 with a free port, EURUSD_otc and GBPUSD registered, and the given data source.
func makeServer(
    _ dataSource: (AssetDirectory) -> any StreamServerDataSource,
    _ tweak: (inout StreamServerConfig) -> Void = { _ in }
) throws -> (StreamServer, AssetDirectory) {
    let directory = AssetDirectory()
    _ = directory.register("EURUSD_otc")
    _ = directory.register("GBPUSD")
    var config = StreamServerConfig()
    config.port = 0
    tweak(&config)
    var logger = Logger(label: "qflux.server.test")
    logger.logLevel = .warning
    let server = StreamServer(
        config: config, dataSource: dataSource(directory), directory: directory,
        initialStatus: SourceStatus(kind: .demo, connected: true), logger: logger)
    try server.start()
    return (server, directory)
}

/// The python scripts next to this file.
let serverScriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Scripts")

/// Output of one python client run.
struct ScriptRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    /// The JSON object on the last stdout line.
    var result: [String: Any]? {
        guard let last = stdout.split(separator: "\n").last,
            let obj = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        else { return nil }
        return obj
    }
}

/// Runs `socketio_client.py SCENARIO URL ARGS…` (or another `script` of Scripts/), calling `tick`
/// every 50 ms while it runs (the test publishes updates there); kills it after `timeout` seconds.
func runPythonClient(
    _ scenario: String, port: Int, args: [String] = [], timeout: Double, script: String = "socketio_client.py",
    tick: (String) -> Void = { _ in }
) throws -> ScriptRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments =
        [
            "python3", serverScriptsDirectory.appendingPathComponent(script).path,
            scenario, "http://127.0.0.1:\(port)",
        ] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let outBuf = Mutex(Data()), errBuf = Mutex(Data())
    // Each handler sees end of file (empty data) once the pipe's writers are gone and it has taken
    // everything before it.
    let outEnded = Atomic<Bool>(false), errEnded = Atomic<Bool>(false)
    out.fileHandleForReading.readabilityHandler = { h in
        let d = h.availableData
        if d.isEmpty { outEnded.store(true, ordering: .releasing) }
        outBuf.withLock { $0.append(d) }
    }
    err.fileHandleForReading.readabilityHandler = { h in
        let d = h.availableData
        if d.isEmpty { errEnded.store(true, ordering: .releasing) }
        errBuf.withLock { $0.append(d) }
    }
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while p.isRunning {
        if Date() > deadline {
            timedOut = true
            p.terminate()
            break
        }
        tick(String(decoding: outBuf.withLock { $0 }, as: UTF8.self))
        Thread.sleep(forTimeInterval: 0.05)
    }
    p.waitUntilExit()
    // the handlers have taken all the output (a child the script left running may hold the pipes:
    // then what is left is read below)
    waitUntil(5) { outEnded.load(ordering: .acquiring) && errEnded.load(ordering: .acquiring) }
    out.fileHandleForReading.readabilityHandler = nil
    err.fileHandleForReading.readabilityHandler = nil
    outBuf.withLock { $0.append(out.fileHandleForReading.readDataToEndOfFile()) }
    errBuf.withLock { $0.append(err.fileHandleForReading.readDataToEndOfFile()) }
    return ScriptRun(
        status: p.terminationStatus,
        stdout: String(decoding: outBuf.withLock { $0 }, as: UTF8.self),
        stderr: String(decoding: errBuf.withLock { $0 }, as: UTF8.self),
        timedOut: timedOut)
}

/// Fetches `http://127.0.0.1:port/path` with a raw socket (status code and body).
func httpGet(port: Int, path: String) throws -> (status: Int, body: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [
        "python3", "-c",
        """
        import sys, urllib.request, urllib.error
        try:
            r = urllib.request.urlopen("http://127.0.0.1:\(port)\(path)", timeout=5)
            code, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            code, body = e.code, e.read()
        sys.stdout.write(str(code) + "\\n" + body.decode())
        """,
    ]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    let nl = text.firstIndex(of: "\n") ?? text.endIndex
    return (Int(text[..<nl]) ?? -1, nl < text.endIndex ? String(text[text.index(after: nl)...]) : "")
}
