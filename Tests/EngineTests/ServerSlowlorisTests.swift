import Foundation
import Testing

@testable import SocketIOServer

/// Slowloris: connections that send their request head a byte a second must not make the server
/// unreachable. 300 of them come from 127.0.0.2 (and reconnect when dropped) while `/health` is
/// fetched from 127.0.0.1 and from 127.0.0.2 every quarter second: every fetch answers within a
/// second.
@Suite("Server slowloris", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerSlowlorisTests {
    @Test("300 connections trickling headers: /health answers within a second throughout")
    func trickle() throws {
        let (server, _) = try makeTestServer()
        defer { server.stop() }
        let run = try runTransportScript("slowloris", port: server.boundPort, args: ["300", "8"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(3000))")
        let samples = r["samples"] as? Int ?? 0
        #expect(samples >= 10, "\(r)")
        #expect(r["ok"] as? Int == samples, "every /health answered: \(r)")
        #expect((r["max_seconds"] as? Double ?? 99) < 1.0, "\(r)")
        // the header deadline (3 s) and the per-address limit closed attackers
        #expect((r["attackers_closed_by_server"] as? Int ?? 0) > 0, "\(r)")
        #expect(server.stats.slowHeaderEvictions > 0, "\(server.stats)")
        print("slowloris: \(r); evictions \(server.stats.slowHeaderEvictions)")
    }

    @Test("the per-address guard: only connections slow for over a second count, oldest first; done ones leave")
    func headerGuard() throws {
        var g = HeaderGuard()
        let w = (1...5).map { OpaquePointer(bitPattern: 0x1000 * $0)! }
        let s: UInt64 = 1_000_000_000
        g.track(w[0], address: "127.0.0.2", now: 10 * s)
        g.track(w[1], address: "127.0.0.2", now: 11 * s)
        g.track(w[2], address: "127.0.0.2", now: 12 * s + s / 2)
        g.track(w[3], address: "127.0.0.1", now: 10 * s)
        #expect(g.slow(address: "127.0.0.2", now: 13 * s, slowAfter: s) == [w[0], w[1]])
        #expect(g.slow(address: "127.0.0.1", now: 13 * s, slowAfter: s) == [w[3]])
        g.done(w[0])
        g.done(w[0])  // idempotent
        #expect(g.slow(address: "127.0.0.2", now: 14 * s, slowAfter: s) == [w[1], w[2]])
        g.track(w[1], address: "127.0.0.3", now: 14 * s)  // a reused pointer moves
        #expect(g.slow(address: "127.0.0.2", now: 20 * s, slowAfter: s) == [w[2]])
        #expect(g.count == 3)
        #expect(g.slow(address: "10.0.0.1", now: 20 * s, slowAfter: s).isEmpty)
    }

    @Test("with the per-address limit off, the header deadline and the slot pool alone keep /health reachable")
    func trickleWithoutAddressLimit() throws {
        let (server, _) = try makeTestServer { $0.maxSlowHeaderConnectionsPerAddress = 0 }
        defer { server.stop() }
        let run = try runTransportScript("slowloris", port: server.boundPort, args: ["300", "6"], timeout: 60)
        let r = try #require(run.result, "no result: \(run.stdout) \(run.stderr.suffix(3000))")
        #expect(r["ok"] as? Int == r["samples"] as? Int, "\(r)")
        #expect((r["max_seconds"] as? Double ?? 99) < 1.0, "\(r)")
        #expect(server.stats.slowHeaderEvictions == 0)
    }
}
