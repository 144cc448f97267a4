import Candles
import FastDecode
import Foundation
import Indicators
import Logging
import SocketIOServer

/// A data source whose history is a fixed, deterministic 60-candle series per asset × timeframe
/// (trend + waves, so every indicator has values), for the live indicator tests.
struct IndicatorDataSource: StreamServerDataSource {
    static let count = 60
    static let base: Int64 = 1_700_000_000

    /// The history of `asset` at `timeframe` (oldest first; the last is the "forming" candle).
    static func history(_ asset: AssetID, _ timeframe: Timeframe) -> [Candle] {
        let t0 = timeframe.start(of: Double(base))
        var prev = 1.1 + Double(asset.rawValue) * 0.1
        return (0..<count).map { i in
            let x = Double(i)
            let close = 1.1 + Double(asset.rawValue) * 0.1 + 0.01 * sin(x * 0.37) + 0.0004 * x + 0.002 * cos(x * 1.3)
            let open = prev
            prev = close
            return Candle(
                asset: asset, timeframe: timeframe, start: t0 + Int64(i * timeframe.seconds), open: open,
                high: max(open, close) + 0.0007 * (1.2 + sin(x)), low: min(open, close) - 0.0006 * (1.2 + cos(x * 0.7)),
                close: close, ticks: 5 + i % 7)
        }
    }

    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        CandleHistory(candles: Self.history(asset, timeframe), source: "fixture")
    }

    func availableFiles() throws -> [AvailableFile] { [] }
    func health() -> HealthSnapshot { HealthSnapshot(ticks: 0) }
    func metricsText() -> String { "" }
}

/// A server on 127.0.0.1 (free port) with EURUSD_otc and GBPUSD and the indicator data source.
func makeIndicatorServer(_ tweak: (inout StreamServerConfig) -> Void = { _ in }) throws -> (
    StreamServer, AssetDirectory
) {
    try makeServer({ _ in IndicatorDataSource() }, tweak)
}

/// The batch computation the live values must equal: `specs` over `candles` (as the server
/// converts them), the row of the last candle, nil before the lookback.
func batchIndicators(_ candles: [Candle], spec: String) throws -> (columns: [String], rows: [[Double?]]) {
    let series = candles.map {
        AnalysisCandle(timestamp: Double($0.start), open: $0.open, high: $0.high, low: $0.low, close: $0.close)
    }
    let table = try IndicatorTable.compute(series, spec: spec)
    return (table.columns, table.values)
}

/// Upserts `c` into `series` (same start: replaced; newer: appended), as a chart does.
func upsertCandle(_ c: Candle, into series: inout [Candle]) {
    if let i = series.lastIndex(where: { $0.start == c.start }) { series[i] = c } else { series.append(c) }
}

/// Compares a received `values` object with expected numbers: exact Doubles, null before the lookback.
func valuesMismatch(_ got: [String: Any]?, columns: [String], expected: [Double?]) -> String? {
    guard let got else { return "no values" }
    guard Set(got.keys) == Set(columns) else { return "outputs \(got.keys.sorted()) != \(columns)" }
    for (name, want) in zip(columns, expected) {
        let v = got[name]
        switch want {
        case nil:
            if !(v is NSNull) { return "\(name): \(String(describing: v)) != null" }
        case let w?:
            guard let d = jsonDouble(v), d == w else { return "\(name): \(String(describing: v)) != \(w)" }
        }
    }
    return nil
}

/// Runs `python3 Scripts/<name> ARGS…`, calling `tick` with the stdout so far every 20 ms while it
/// runs (the test publishes candles there); kills it after `timeout` seconds.
func runScriptWatching(_ name: String, args: [String], timeout: Double, tick: (String) -> Void) throws -> ScriptRun {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", serverScriptsDirectory.appendingPathComponent(name).path] + args
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-ind-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while p.isRunning {
        if Date() > deadline { timedOut = true; p.terminate(); break }
        tick((try? String(contentsOf: out, encoding: .utf8)) ?? "")
        Thread.sleep(forTimeInterval: 0.02)
    }
    p.waitUntilExit()
    return ScriptRun(
        status: p.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", timedOut: timedOut)
}

/// A JSON number as the exact Double its text denotes. JSONSerialization may hand long numbers
/// over as decimals whose `doubleValue` is off by an ulp; their text is exact.
func jsonDouble(_ v: Any?) -> Double? {
    guard let n = v as? NSNumber, !(v is NSNull) else { return nil }
    return Double("\(n)") ?? n.doubleValue
}
