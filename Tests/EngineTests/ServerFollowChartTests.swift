import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Engine
@testable import Ring
@testable import SocketIOServer

@Suite("Server: --follow-chart", .serialized)
struct ServerFollowChartTests {
    @Test(
        "with followChart, a client streaming one asset moves to the asset the broker's chart shows",
        .enabled(if: Dependency.python, Dependency.needsPython))
    func followsChart() throws {
        let (server, dir) = try makeTestServer { $0.followChart = true }
        defer { server.stop() }
        let gbp = dir.lookup("GBPUSD")!
        var detected = false
        let run = try runPythonClient("follow", port: server.boundPort, timeout: 30) { stdout in
            guard stdout.contains("started") else { return }
            if !detected {
                server.publishAssetDetected(gbp)
                detected = true
            }
            server.publish([
                Candle(
                    asset: gbp, timeframe: .oneMinute, start: 1_756_866_720, open: 1.27, high: 1.28,
                    low: 1.26, close: 1.275, ticks: 3)
            ])
        }
        #expect(run.status == 0, "\(run.stderr.suffix(500))")
        let r = try #require(run.result, "no result: \(run.stdout.suffix(300)) \(run.stderr.suffix(300))")
        #expect((r["stream_started"] as? [String: Any])?["asset"] as? String == "EURUSD_otc")
        #expect((r["asset_detected"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["asset_changed"] as? [String: Any])?["asset"] as? String == "GBPUSD")
        #expect((r["candle"] as? [String: Any])?["close"] as? Double == 1.275)
    }
}
