import Demo
import Foundation
import Logging
import Testing

@testable import Engine
@testable import SocketIOServer

/// The original GUI's analysis sequences on a live node (`LiveStream` with the demo source), from
/// a default python-socketio client (polling, then the upgrade): a ~900 KB `store_csv_candles`,
/// `calculate_indicators` with all 14 kinds compared with TA-Lib and the restated formulas, the
/// refusals, and `generate_signal` / `execute_strategy` against the QuantumFlux reference
/// (Scripts/compat_analysis_client.py does the comparing and lists every failure).
@Suite("Original GUI analysis events", .serialized)
struct ServerCompatAnalysisTests {
    @Test(
        "store a ~900 KB file, 14 indicator kinds equal TA-Lib and the restatements, signals equal the QuantumFlux score",
        .enabled(if: Dependency.python, Dependency.needsPython), .enabled(if: Dependency.talib, Dependency.needsTALib))
    func guiSequences() throws {
        var config = LiveStream.Configuration()
        config.server.port = 0
        config.demo.assets = 1
        let stream = try LiveStream(configuration: config, logger: Logger(label: "test"))
        try stream.start()
        defer { _ = try? stream.stop() }
        let run = try runScript("compat_analysis_client.py", args: ["http://127.0.0.1:\(stream.port)"], timeout: 240)
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(1500))")
        let result = try #require(run.result, "no result: \(run.stdout.suffix(800)) \(run.stderr.suffix(800))")
        let bytes = (result["file_bytes"] as? NSNumber)?.intValue ?? 0
        print(
            "compat analysis: \(bytes)-byte store, \(result["checks"] ?? 0) checks, \(result["compared"] ?? 0) series points compared, transport \(result["transport"] ?? ""), directions \(result["directions"] ?? "")"
        )
        #expect(bytes > 850_000 && bytes < 1_000_000, "file of \(bytes) bytes")
        #expect((result["failures"] as? [String])?.isEmpty == true, "\(result["failures"] ?? "no failures list")")
        #expect(((result["checks"] as? NSNumber)?.intValue ?? 0) > 200)
        #expect(((result["compared"] as? NSNumber)?.intValue ?? 0) > 7000)
        #expect(
            result["transport"] as? String == "websocket", "the client did not upgrade: \(result["transport"] ?? "")")
        #expect(
            (result["directions"] as? [String]).map { Set($0).isSuperset(of: ["call", "put"]) } == true,
            "QuantumFlux windows tried reached only \(result["directions"] ?? "")")
    }
}
