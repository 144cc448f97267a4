import Candles
import FastDecode
import Foundation
import Logging
import SocketIOServer
import Synchronization
import Testing
import TextWriters

/// What the CSV test data source saw and did, readable from the test thread. (An `NSLock`, not a
/// `Mutex`: ThreadSanitizer sees pthread locks, not `Mutex`'s futex calls.)
final class CSVSourceLog: @unchecked Sendable {
    private let lock = NSLock()
    private var state = State()

    struct State {
        var opened: [String] = []
        var listed: [String?] = []
        var piecesPulled = 0
        var released = 0
    }

    private func with<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    var snapshot: State { with { $0 } }
    func opened(_ name: String) { with { $0.opened.append(name) } }
    func listed(_ tf: String?) { with { $0.listed.append(tf) } }
    func pulled() { with { $0.piecesPulled += 1 } }
    func released() { with { $0.released += 1 } }
}

/// A data source with fixed history (``FakeDataSource``) and a CSV API: `EURUSD_otc_1m.csv`
/// (`rows` candle rows, served in pieces of about 64 KB), `empty.csv`, and `slow.csv` (a piece
/// every `slowPieceSeconds`, endless until its client leaves). Records every name it is asked
/// to open.
struct CSVTestDataSource: StreamServerDataSource {
    let base: FakeDataSource
    let log: CSVSourceLog
    var rows = 20_000
    var slowPieceSeconds = 0.2

    init(directory: AssetDirectory, log: CSVSourceLog) {
        base = FakeDataSource(directory: directory)
        self.log = log
    }

    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        base.recentCandles(asset: asset, timeframe: timeframe)
    }
    func availableFiles() throws -> [AvailableFile] { try base.availableFiles() }
    func health() -> HealthSnapshot { base.health() }
    func metricsText() -> String { base.metricsText() }

    static let files = [
        AvailableFile(
            filename: "EURUSD_otc_1m.csv", asset: "EURUSD_otc", timeframe: "1m",
            path: "data_collect/1M_candles/EURUSD_otc_1m.csv", size: nil),
        AvailableFile(
            filename: "GBPUSD_5m.csv", asset: "GBPUSD", timeframe: "5m",
            path: "data_collect/5M_candles/GBPUSD_5m.csv", size: 1234),
        AvailableFile(
            filename: "EURUSD_otc_ticks.csv", asset: "EURUSD_otc", timeframe: "tick",
            path: "data_collect/ticks/EURUSD_otc_ticks.csv", size: 99),
    ]

    func csvFiles(timeframe: String?) throws -> [AvailableFile] {
        log.listed(timeframe)
        guard let timeframe else { return Self.files }
        return Self.files.filter { $0.timeframe == timeframe }
    }

    func openCSV(filename: String) throws -> (any CSVBodySource)? {
        log.opened(filename)
        switch filename {
        case "EURUSD_otc_1m.csv": return RowsBody(rows: rows, log: log)
        case "empty.csv": return RowsBody(rows: -1, log: log)
        case "slow.csv": return SlowBody(every: slowPieceSeconds, log: log)
        default: return nil
        }
    }

    /// The expected text of `EURUSD_otc_1m.csv`.
    static func row(_ i: Int) -> String {
        let t = 1_700_000_000 + i * 60
        return
            "\(UTCTime.iso8601(seconds: Int64(t)).replacingOccurrences(of: "T", with: " ")),1.\(10000 + i % 9000),1.\(10001 + i % 9000),1.\(10002 + i % 9000),1.\(9999 + i % 9000)\n"
    }

    /// Rows in pieces of about 64 KB (`rows` < 0: an empty body).
    final class RowsBody: CSVBodySource {
        let rows: Int
        let log: CSVSourceLog
        var sentHeader = false
        var sentEmpty = false
        var next = 0

        init(rows: Int, log: CSVSourceLog) {
            self.rows = rows
            self.log = log
        }

        deinit { log.released() }

        func nextPiece() throws -> [UInt8]? {
            log.pulled()
            guard rows >= 0 else { return nil }
            if !sentHeader {
                sentHeader = true
                return Array("timestamp,open,close,high,low\n".utf8)  // a small first piece
            }
            if !sentEmpty {
                sentEmpty = true
                return []  // an empty piece must not end the chunked body
            }
            guard next < rows else { return nil }
            var piece = ""
            while next < rows, piece.utf8.count < 64 * 1024 - 80 {
                piece += CSVTestDataSource.row(next)
                next += 1
            }
            return Array(piece.utf8)
        }
    }

    /// A piece every `every` seconds, for ever (until released).
    final class SlowBody: CSVBodySource {
        let every: Double
        let log: CSVSourceLog
        var n = 0

        init(every: Double, log: CSVSourceLog) {
            self.every = every
            self.log = log
        }

        deinit { log.released() }

        func nextPiece() throws -> [UInt8]? {
            log.pulled()
            if n > 0 { Thread.sleep(forTimeInterval: every) }  // the behaviour under test: a slow body
            n += 1
            return Array("timestamp,open,close,high,low\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 1000) + [
                10
            ]
        }
    }
}

/// A server on 127.0.0.1 with a free port, two known assets and the given data source.
func makeTransportServer(
    _ dataSource: (AssetDirectory) -> any StreamServerDataSource,
    _ tweak: (inout StreamServerConfig) -> Void = { _ in }
) throws -> (StreamServer, AssetDirectory) {
    try makeServer(dataSource, tweak)
}

/// Runs `Scripts/transport_client.py SCENARIO URL ARGS…`, calling `tick` every 50 ms while it
/// runs (the test publishes updates there); kills it after `timeout` seconds.
func runTransportScript(
    _ scenario: String, port: Int, args: [String] = [], timeout: Double,
    tick: (String) -> Void = { _ in }
) throws -> ScriptRun {
    try runPythonClient(scenario, port: port, args: args, timeout: timeout, script: "transport_client.py", tick: tick)
}

/// A 1-minute candle of `asset` whose close changes with `n` (a fresh update each call).
func liveCandle(_ asset: AssetID, _ n: Int) -> Candle {
    Candle(
        asset: asset, timeframe: .oneMinute, start: 1_700_000_040, open: 1.08, high: 1.09, low: 1.07,
        close: 1.08 + Double(n % 1000) / 100_000, ticks: n)
}

/// Waits up to `seconds` for `condition`.
func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

/// A JSON value as compact text with sorted keys (for comparing decoded script results).
func jsonText(_ value: Any?) -> String {
    guard let value,
        let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    else { return "nil" }
    return String(decoding: data, as: UTF8.self)
}

/// Bytes appended from a pipe's reader thread and read by the test (an `NSLock`, which
/// ThreadSanitizer sees).
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func withLock<T>(_ body: (inout Data) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&data)
    }
}
