import Foundation
import Testing

@testable import SocketIOServer

/// Issue 15, defect 4: with a token, sockets that never authenticate time out and have their own
/// limit; tokens compare in constant time; the token can come from a file or QFLUX_TOKEN; and
/// `--protect-http` guards /health and /metrics.
@Suite("Hardening: tokens", .serialized)
struct HardeningTokenTests {
    static func upgraded(_ port: Int) throws -> HardeningSocket {
        let s = try HardeningSocket(port: port, timeout: 4)
        #expect(HardeningSocket.status(s.upgrade(host: "127.0.0.1", origin: nil) ?? "") == 101)
        #expect(s.readUntil("0{") != nil)
        return s
    }

    @Test("a socket that never authenticates is closed after the timeout; one that does stays")
    func unauthenticatedTimeout() throws {
        let (server, _) = try makeTestServer {
            $0.token = "s3cret"; $0.unauthenticatedTimeout = 1; $0.pingInterval = 60
        }
        defer { server.stop() }
        let port = server.boundPort
        let idle = try Self.upgraded(port)
        let good = try Self.upgraded(port)
        good.sendText("40{\"token\":\"s3cret\"}")
        #expect(good.readUntil("40{") != nil)
        let start = Date()
        while idle.readFrame() != nil {}
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 3.5, "idle socket closed after \(elapsed) s")
        // a second past the idle one's cut: what is tested is that nothing cuts this one
        Thread.sleep(forTimeInterval: 1.0)
        // the authenticated one is still served
        good.sendText("42[\"get_assets\"]")
        #expect(good.readUntil("42[\"assets\"") != nil)
        #expect(try hardeningMetric(port, "qflux_server_auth_timeouts_total") == 1)
    }

    @Test("unauthenticated sockets have their own limit: past it, 503; the token holder still gets in")
    func unauthenticatedLimit() throws {
        let (server, _) = try makeTestServer {
            $0.token = "s3cret"; $0.maxUnauthenticated = 3; $0.unauthenticatedTimeout = 30
        }
        defer { server.stop() }
        let port = server.boundPort
        let held = try (0..<3).map { _ in try Self.upgraded(port) }
        let extra = try HardeningSocket(port: port)
        let head = extra.upgrade(host: "127.0.0.1", origin: nil) ?? ""
        #expect(HardeningSocket.status(head) == 503, "\(head)")
        #expect(try hardeningMetric(port, "qflux_server_refused_unauthenticated_total") == 1)
        // one of them authenticates: a slot frees up for the next
        held[0].sendText("40{\"token\":\"s3cret\"}")
        #expect(held[0].readUntil("40{") != nil)
        _ = try Self.upgraded(port)
        withExtendedLifetime(held) {}
    }

    @Test("token comparison: equal only when equal, any length")
    func constantTime() {
        #expect(AccessPolicy.tokensEqual("s3cret", "s3cret"))
        #expect(!AccessPolicy.tokensEqual("s3cres", "s3cret"))
        #expect(!AccessPolicy.tokensEqual("s3cre", "s3cret"))
        #expect(!AccessPolicy.tokensEqual("s3cret\0", "s3cret"))
        #expect(!AccessPolicy.tokensEqual("", "s3cret"))
        #expect(!AccessPolicy.tokensEqual(nil, "s3cret"))
    }

    @Test("protectHTTP: /health and /metrics need the token (Bearer or ?token=), the page does not")
    func protectedHTTP() throws {
        let (server, _) = try makeTestServer {
            $0.token = "s3cret"; $0.protectHTTP = true
        }
        defer { server.stop() }
        let port = server.boundPort
        func get(_ path: String, _ extra: [String] = []) throws -> Int {
            try HardeningSocket(port: port).get(path, host: "127.0.0.1:\(port)", extra: extra).status
        }
        #expect(try get("/health") == 401)
        #expect(try get("/metrics") == 401)
        #expect(try get("/health", ["Authorization: Bearer wrong"]) == 401)
        #expect(try get("/health?token=wrong") == 401)
        #expect(try get("/health", ["Authorization: Bearer s3cret"]) == 200)
        #expect(try get("/health?token=s3cret") == 200)
        #expect(try get("/") == 200)
        #expect(
            try hardeningMetric(port, "qflux_server_http_auth_failures_total", extra: ["Authorization: Bearer s3cret"])
                == 4)
    }

    @Test("qflux stream takes the token from --token-file and from QFLUX_TOKEN (with --protect-http)")
    func tokenSources() throws {
        guard let qflux = builtQflux() else { return }
        let dir = TempDir()
        let file = dir.path + "/token"
        try "from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        for (args, launcher, token) in [
            (["--token-file", file], [String](), "from-file"),
            ([], ["/usr/bin/env", "QFLUX_TOKEN=from-env"], "from-env"),
        ] {
            let child = try QfluxChild(
                qflux, ["stream", "--demo", "--port", "0", "--protect-http"] + args, launcher: launcher)
            let port = try #require(child.port(), "stream did not start: \(child.stderr)")
            #expect(try HardeningSocket(port: port).get("/health", host: "127.0.0.1").status == 401)
            #expect(
                try HardeningSocket(port: port).get(
                    "/health", host: "127.0.0.1", extra: ["Authorization: Bearer \(token)"]
                ).status == 200)
            let exit = child.stop(SIGTERM, timeout: 15)
            #expect(exit?.status == 0)
        }
    }
}
