import Candles
import Dispatch
import FastDecode
import Foundation
import SocketIOServer
import Testing

/// Clients that stop reading while the server holds output for them (issue 28, defect 1): a
/// frozen client cut at its ping timeout, and frozen clients whose process is killed. Before the
/// fix, either wedged the network thread for good (libwebsockets retried the socket's EOF without
/// end): no `/health`, no updates for anyone, and `stop()` never returned.
@Suite("Server frozen clients", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerFrozenClientTests {
    @Test("frozen clients cut at their ping timeout or killed leave the server serving; stop() returns")
    func frozenClients() throws {
        let frozen = 4
        let (server, dir) = try makeTestServer {
            $0.pingInterval = 1
            $0.pingTimeout = 1
        }
        let eur = try #require(dir.lookup("EURUSD_otc"))
        var n: Int64 = 0
        let run = try runPythonClient(
            "run", port: server.boundPort, args: ["\(frozen)"], timeout: 90,
            script: "frozen_clients.py"
        ) { _ in
            // distinct 5 s candles (nothing coalesces) and a live 1 m candle: a steady stream of bytes
            var batch: [Candle] = []
            for _ in 0..<200 {
                n += 1
                batch.append(
                    Candle(
                        asset: eur, timeframe: Timeframe(seconds: 5), start: 1_700_000_000 + n * 5,
                        open: 1, high: 2, low: 0.5, close: 1.5, ticks: Int(n)))
            }
            batch.append(
                Candle(
                    asset: eur, timeframe: .oneMinute, start: 1_700_000_040, open: 1, high: 2, low: 0.5,
                    close: 1 + Double(n) / 1e6, ticks: Int(n)))
            server.publish(batch)
        }
        let stopped = stop(server, within: 20)
        #expect(stopped, "stop() did not return within 20 s: the network thread is wedged")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr)")
        #expect(r["frozen_cut"] as? Bool == true, "\(r)")
        #expect(r["held"] as? Bool == true, "\(r)")
        #expect(r["health_misses"] as? Int == 0, "\(r)")
        #expect((r["health_checks"] as? Int ?? 0) >= 20, "\(r)")
        #expect((r["updates_after_cut"] as? Int ?? 0) > 0, "\(r)")
        #expect((r["updates_after_kill"] as? Int ?? 0) > 0, "\(r)")
        #expect(r["good_connected"] as? Bool == true, "\(r)")
        // only the reading client is left once the killed ones are closed
        #expect(r["clients_after"] as? Int == 1, "\(r)")
    }

    /// Stops the server on another thread; false when that does not return within `seconds`.
    private func stop(_ server: StreamServer, within seconds: Double) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.stop()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success
    }
}
