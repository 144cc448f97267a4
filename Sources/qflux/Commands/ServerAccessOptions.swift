import ArgumentParser
import Foundation
import SocketIOServer

/// `qflux stream`'s access options (issue 15): origins, hosts, token sources, limits for clients
/// that have not authenticated, protection of `/health`, `/metrics` and `/api/…`, and the
/// per-client and per-connection limits (byte budget, message rate, slow request heads, CSV streams).
struct ServerAccessOptions: ParsableArguments {
    @Option(
        name: .customLong("allow-origin"),
        help: ArgumentHelp(
            "Also accept browser pages from this origin (repeatable). Loopback origins (http(s)://127.0.0.1|localhost|[::1], any port) and the chart page's own are always accepted; other origins get 403.",
            valueName: "URL"))
    var allowOrigin: [String] = []

    @Option(
        name: .customLong("allow-host"),
        help: ArgumentHelp(
            "Also accept this name in the Host header (repeatable). Loopback names and the --bind address are always accepted; other names get 403 (defeats DNS rebinding).",
            valueName: "NAME"))
    var allowHost: [String] = []

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "Read the token from this file (first line; not visible in ps). The environment variable QFLUX_TOKEN works too.",
            valueName: "PATH"))
    var tokenFile: String?

    @Option(
        name: .customLong("auth-timeout"),
        help: "With a token: seconds a client may stay connected without authenticating (1 … 3600).")
    var authTimeout: Int = 5

    @Option(
        name: .customLong("max-unauthenticated"),
        help: "With a token: most clients at once that have not authenticated yet; more get 503.")
    var maxUnauthenticated: Int = 64

    @Flag(
        name: .customLong("protect-http"),
        help:
            "With a token: /health, /metrics and /api/* need it too (Authorization: Bearer TOKEN or ?token=TOKEN; else 401)."
    )
    var protectHTTP = false

    @Option(
        name: .customLong("client-budget-kb"),
        help:
            "Bytes queued for one client at most, in KiB, every message counted (pongs, acks, refusals too); a client past it is cut. 0: no byte limit."
    )
    var clientBudgetKB: Int = 4096

    @Option(
        name: .customLong("max-messages-per-second"),
        help:
            "Messages one client may send per second, sustained (bursts up to 5× that; a message costs one more per started 4 KiB); a client over it is cut. 0: no limit."
    )
    var maxMessagesPerSecond: Double = 200

    @Option(
        name: .customLong("max-message-bytes"),
        help: ArgumentHelp(
            "Largest message a client may send, in bytes (a WebSocket message or a whole long-polling POST; 4096 … 16777216). The original GUI sends whole candle files in one event. A larger message closes that client; each client holds at most one partial message of this size (two over long-polling), and large messages count against --max-messages-per-second by size.",
            valueName: "BYTES"))
    var maxMessageBytes: Int = StreamServerConfig.defaultMaxInboundMessageBytes

    @Option(
        name: .customLong("header-timeout"),
        help: "Seconds a connection may take to send its request head (1 … 60); then it is closed (slowloris).")
    var headerTimeout: Int = 3

    @Option(
        name: .customLong("max-slow-connections-per-address"),
        help:
            "Connections from one address that may be slow sending their request (after a second) at once; the oldest are closed when another arrives. 0: no per-address limit."
    )
    var maxSlowConnectionsPerAddress: Int = 32

    @Option(
        name: .customLong("max-csv-streams"),
        help: "CSV API answers (/api/available-csv-files, /api/csv-data/…) under way at once; more get 503.")
    var maxCSVStreams: Int = 16

    func validate() throws {
        guard (1...3600).contains(authTimeout) else {
            throw ValidationError("--auth-timeout must be between 1 and 3600 seconds")
        }
        guard (1...100_000).contains(maxUnauthenticated) else {
            throw ValidationError("--max-unauthenticated must be between 1 and 100000")
        }
        guard (0...1_048_576).contains(clientBudgetKB) else {
            throw ValidationError("--client-budget-kb must be between 0 and 1048576")
        }
        guard maxMessagesPerSecond >= 0, maxMessagesPerSecond <= 1_000_000 else {
            throw ValidationError("--max-messages-per-second must be between 0 and 1000000")
        }
        guard (4096...16_777_216).contains(maxMessageBytes) else {
            throw ValidationError("--max-message-bytes must be between 4096 and 16777216")
        }
        guard (1...60).contains(headerTimeout) else {
            throw ValidationError("--header-timeout must be between 1 and 60 seconds")
        }
        guard (0...100_000).contains(maxSlowConnectionsPerAddress) else {
            throw ValidationError("--max-slow-connections-per-address must be between 0 and 100000")
        }
        guard (1...1024).contains(maxCSVStreams) else {
            throw ValidationError("--max-csv-streams must be between 1 and 1024")
        }
        for o in allowOrigin where !(o.hasPrefix("http://") || o.hasPrefix("https://")) {
            throw ValidationError("--allow-origin: '\(o)' is not an http(s):// origin")
        }
    }

    /// The token from `--token`, `--token-file` or `QFLUX_TOKEN` (in that order); nil when none.
    func resolveToken(_ argument: String?) throws -> String? {
        if let argument { return argument }
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CommandFailure("--token-file: cannot read \(tokenFile)")
            }
            let line =
                text.split(whereSeparator: \.isNewline).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { throw CommandFailure("--token-file: \(tokenFile) holds no token") }
            return line
        }
        if let env = ProcessInfo.processInfo.environment["QFLUX_TOKEN"], !env.isEmpty { return env }
        return nil
    }

    /// Copies the options into the server configuration.
    func apply(to server: inout StreamServerConfig, token: String?) {
        server.token = token
        server.allowedOrigins = allowOrigin
        server.allowedHosts = allowHost
        server.unauthenticatedTimeout = authTimeout
        server.maxUnauthenticated = maxUnauthenticated
        server.protectHTTP = protectHTTP
        server.clientByteBudget = clientBudgetKB * 1024
        server.maxInboundMessagesPerSecond = maxMessagesPerSecond
        server.inboundBurst = max(1, maxMessagesPerSecond * 5)
        server.maxInboundMessageBytes = maxMessageBytes
        server.headerTimeout = headerTimeout
        server.maxSlowHeaderConnectionsPerAddress = maxSlowConnectionsPerAddress
        server.maxHTTPStreams = maxCSVStreams
    }
}
