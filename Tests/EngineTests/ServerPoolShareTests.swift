import Candles
import FastDecode
import Foundation
import SocketIOServer
import Testing

/// A data source whose analysis requests take a while (a long backtest), for the pool tests.
private struct SlowAnalysisDataSource: StreamServerDataSource {
    let base: FakeDataSource
    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        base.recentCandles(asset: asset, timeframe: timeframe)
    }
    func availableFiles() throws -> [AvailableFile] { try base.availableFiles() }
    func health() -> HealthSnapshot { base.health() }
    func metricsText() -> String { base.metricsText() }
    func runBacktest(_ request: JSONValue?) throws -> [UInt8] {
        Thread.sleep(forTimeInterval: 0.5)  // the behaviour under test: a request that keeps the analysis queue busy
        return Array("{\"trades\":[]}".utf8)
    }
}

/// Server-wide pools shared out per client and per peer address (issue 28, defect 10): before,
/// one client's 8 analysis requests held the queue for minutes while the others were told
/// "server busy", and 32 connections took every live indicator computation.
@Suite("Server pool shares", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerPoolShareTests {
    @Test("one client gets its share of the analysis queue; a client of another address is answered")
    func analysisShare() throws {
        let (server, _) = try makeServer({ SlowAnalysisDataSource(base: FakeDataSource(directory: $0)) })
        defer { server.stop() }
        let run = try runPythonClient("analysis", port: server.boundPort, timeout: 60, script: "pool_shares.py")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(600))")
        #expect(r["a_answered"] as? Int == 2, "\(r)")
        let refused = r["a_refused"] as? [String] ?? []
        #expect(
            refused.count == 6 && refused.allSatisfy { $0.contains("analysis requests of this client under way") },
            "\(r)")
        // without the shares A's eight requests fill the queue (8) and B is told "server busy"
        #expect(r["b_event"] as? String == "backtest_complete", "\(r)")
    }

    @Test("clients of one address start at most half the live indicator computations")
    func liveIndicatorShare() throws {
        let (server, _) = try makeTestServer {
            $0.liveIndicators.maxComputations = 8
            $0.liveIndicators.maxComputationsPerAddress = 4
        }
        defer { server.stop() }
        let run = try runPythonClient("indicators", port: server.boundPort, timeout: 60, script: "pool_shares.py")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(600))")
        let loopback = r["loopback"] as? [[String]] ?? []
        #expect(loopback.prefix(4).allSatisfy { $0.first == "indicators_subscribed" }, "\(r)")
        #expect(
            loopback.last?.first == "indicators_error" && loopback.last?.last?.contains("of this address") == true,
            "\(r)")
        #expect(r["other_address"] as? String == "indicators_subscribed", "\(r)")
    }
}
