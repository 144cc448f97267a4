import Archive
import Demo
import Engine
import Foundation
import Logging
import SocketIOServer
import Testing

/// Analysis answers larger than one reply may carry (issue 28, defect 6): before, the requester
/// was cut over its byte budget with no reply and no error event.
@Suite("Server analysis reply bound", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerAnalysisReplyTests {
    @Test("a backtest or indicator answer over the reply bound is its error event; the client stays connected")
    func oversizeReplies() throws {
        let temp = TempDir()
        let data = temp.path + "/data"
        _ = try ServerAnalysisTests.writeCandles(data)  // 800 1m candles: a backtest answer (event and ack) of ~50 KB

        var config = LiveStream.Configuration()
        config.server.port = 0
        config.server.clientByteBudget = 32 << 10  // replies up to 16 KiB
        config.demo.assets = 2
        config.pipeline.archive = ArchiveConfiguration(directory: data, collect: .none)
        let stream = try LiveStream(configuration: config, logger: Logger(label: "test"))
        try stream.start()
        let run = try runScript("analysis_big_reply_client.py", args: ["http://127.0.0.1:\(stream.port)"], timeout: 90)
        let stats = stream.serverStats
        _ = try stream.stop()
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(800))")
        let r = try #require(run.result, "\(run.stdout.suffix(400))")
        #expect(r["path"] as? String == "EURUSD_otc/candles_1m")

        let backtest = r["backtest"] as? [Any] ?? []
        #expect(backtest.first as? String == "backtest_error", "\(backtest)")
        let error = (backtest.last as? [String: Any])?["error"] as? String ?? ""
        #expect(error.contains("more than one reply may carry (16 KB"), "\(error)")
        let ack = r["backtest_ack"] as? [String: Any] ?? [:]
        #expect((ack["error"] as? String)?.hasPrefix("the answer is") == true, "\(ack)")

        let big = r["indicators_big"] as? [Any] ?? []
        #expect(big.first as? String == "indicators_error", "\(big)")
        // refused from its estimate against the same bound, before anything is computed
        let bigError = (big.last as? [String: Any])?["error"] as? String ?? ""
        #expect(bigError.contains("would make a reply of about"), "\(bigError)")
        #expect(r["connected_after"] as? Bool == true)
        let small = r["indicators_small"] as? [Any] ?? []
        #expect(small.first as? String == "indicators_calculated", "\(small)")
        #expect(r["transport"] as? String == "websocket")
        #expect(stats.analysisRepliesTooLarge == 1, "the backtest's: \(stats)")
        #expect(stats.budgetDisconnects == 0, "\(stats)")
    }
}
