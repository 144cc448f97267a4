import Archive
import ArgumentParser
import Candles
import ChromeCDP
import Demo
import Engine
import Foundation
import Logging
import RedisBridge
import SocketIOServer
import Synchronization
import TextWriters

/// `qflux stream`: the live stream – a source, candles, archive, and the Socket.IO server front
/// with its built-in chart page.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream live candles to Socket.IO clients and the built-in chart page, optionally archiving.",
        discussion: """
            Serves Socket.IO v4 over WebSocket and HTTP long-polling (with the upgrade: \
            python-socketio's Client().connect(url) and socket.io-client's io(url) work with their \
            defaults), a live chart page at http://BIND:PORT/ and the CSV API (/api/available-csv-files, \
            /api/csv-data/NAME). Health: /health (JSON); metrics: /metrics (Prometheus).

            By default the source is your own Chrome over the DevTools Protocol: start Chrome with \
            --remote-debugging-port=9222 --user-data-dir=<a separate profile dir> (Chrome 136+ ignores \
            the port on its default profile), log in to the broker there, and qflux attaches to the \
            first page whose URL matches --target. It runs without Chrome (and says so), looks again \
            every --chrome-poll seconds, and re-attaches by itself after Chrome restarts.

            --demo (or --simulated-mode, the original tool's name) runs a built-in simulated broker instead (random-walk prices for several assets, \
            rendered as PocketOption frames and decoded by the same path as Chrome's), so it works on a \
            fresh machine with no Chrome and no broker account.

            --replay-archive DIR serves an archive recorded earlier (--data-dir with --collect-stream \
            tick or both) as a live market through the same pipeline: ticks are released at their \
            recorded times divided by --speed (1: recorded pace; 0 or max: as fast as possible), \
            between --from and --to (epoch seconds or ISO-8601 UTC); archived 1m candles (else \
            candles formed from the ticks) before --from seed the candles as history, and archived \
            payouts are replayed with the ticks. At the end the source reports "not connected" and \
            the server stays up serving the last state until stopped.

            Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closed) stops the source, flushes every candle and archive chunk, \
            closes the clients and exits 0. Archive write errors while streaming are logged and \
            counted (/metrics) and streaming goes on. It exits 1 with one line on standard error \
            when it cannot start (port in use, address not of this machine, --data-dir not \
            writable) or the archive cannot be closed.
            """
    )

    /// How often the main thread looks for a stop signal.
    static let stopPollMicroseconds: useconds_t = 100_000

    @Flag(
        name: [.customLong("demo"), .customLong("simulated-mode")],
        help:
            "Use the built-in simulated broker as the source instead of Chrome (--simulated-mode: the original tool's name for it)."
    )
    var demo = false

    @Option(help: "Chrome's DevTools endpoint, HOST:PORT (Chrome started with --remote-debugging-port=PORT).")
    var cdp: String = "127.0.0.1:9222"

    @Option(help: "Attach to the page whose URL contains this text (default: pocketoption or po.market).")
    var target: String?

    @Option(
        name: .customLong("chrome-poll"),
        help: "Seconds between looks for Chrome or a matching page while not attached.")
    var chromePoll: Double = 5

    @Option(name: .customLong("demo-rate"), help: "Demo ticks per second over all assets (0.1 … 100000).")
    var demoRate: Double = 16

    @Option(name: .customLong("demo-assets"), help: "Number of demo assets (1 … 1000).")
    var demoAssets: Int = 8

    @Option(name: .customLong("demo-seed"), help: "Seed of the demo's random walk (default: the clock).")
    var demoSeed: UInt64?

    @Option(
        name: .customLong("demo-tick-log"),
        help: "Write every demo tick to this file as JSON lines (for testing clients).")
    var demoTickLog: String?

    @Option(help: "Address to listen on. Only change it if other machines must connect (then set --token).")
    var bind: String = "127.0.0.1"

    @Option(help: "Port of the Socket.IO server and the chart page (0 picks a free port and prints it).")
    var port: Int = 3001

    @Option(
        help:
            "Shared secret clients must send in the Socket.IO connect payload: auth={\"token\": …} (visible in ps: prefer --token-file or QFLUX_TOKEN)."
    )
    var token: String?

    @OptionGroup(title: "Access") var access: ServerAccessOptions

    @Flag(
        name: .customLong("follow-chart"),
        help: "When the broker's chart switches asset, move every streaming client to it (asset_changed + history).")
    var followChart = false

    @Option(
        name: .customLong("source"),
        help: ArgumentHelp(
            "Read ticks from Redis Streams another qflux publishes (--publish) instead of Chrome: a server node with no browser (docs/redis.md).",
            valueName: "redis://HOST:PORT[/DB]"))
    var redisSource: String?

    @Option(
        name: .customLong("replay-archive"),
        help: ArgumentHelp(
            "Serve the ticks of an archive recorded earlier (a --data-dir) as a live market instead of Chrome.",
            valueName: "dir"))
    var replayArchive: String?

    @Option(
        help: ArgumentHelp(
            "--replay-archive clock rate: 1 = recorded pace, 10 = ten times faster, 0 or max = as fast as possible (default 1).",
            valueName: "n|max"))
    var speed: String?

    @Option(
        help: ArgumentHelp(
            "--replay-archive: first tick time served (epoch seconds or ISO-8601 UTC); earlier history seeds the candles.",
            valueName: "time"))
    var from: String?

    @Option(
        help: ArgumentHelp(
            "--replay-archive: last tick time served (epoch seconds or ISO-8601 UTC).", valueName: "time"))
    var to: String?

    @OptionGroup var candles: CandleOptions
    @OptionGroup var collect: CollectOptions
    @OptionGroup var publishing: PublishOptions
    @OptionGroup(title: "Signals") var signalOptions: SignalOptions

    func validate() throws {
        do { _ = try CDPAddress(parsing: cdp) } catch { throw ValidationError("--cdp: \(error.cause)") }
        guard (0.1...3600).contains(chromePoll) else {
            throw ValidationError("--chrome-poll must be between 0.1 and 3600 seconds")
        }
        if let target, target.isEmpty { throw ValidationError("--target must not be empty") }
        if let redisSource {
            guard !demo else { throw ValidationError("--source and --demo exclude each other") }
            do { _ = try RedisAddress(parsing: redisSource) } catch {
                throw ValidationError("--source: \(error.message)")
            }
        }
        if replayArchive != nil {
            guard !demo, redisSource == nil else {
                throw ValidationError("--replay-archive excludes --demo and --source")
            }
            _ = try replaySpeed()
        } else if speed != nil || from != nil || to != nil {
            throw ValidationError("--speed, --from and --to go with --replay-archive")
        }
        guard (0.1...100_000).contains(demoRate) else {
            throw ValidationError("--demo-rate must be between 0.1 and 100000")
        }
        guard (1...1000).contains(demoAssets) else { throw ValidationError("--demo-assets must be between 1 and 1000") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard ListenAddress.isNumeric(bind) || ListenAddress.isInterface(bind) else {
            throw ValidationError("--bind: '\(bind)' is neither an IP address nor a network interface of this machine")
        }
    }

    /// `--speed`: a number >= 0, or `max` (0).
    private func replaySpeed() throws -> Double {
        guard let speed else { return 1 }
        if speed.lowercased() == "max" { return 0 }
        guard let v = Double(speed), v.isFinite, v >= 0, v <= 1_000_000 else {
            throw ValidationError("--speed must be a number from 0 to 1000000, or max (got '\(speed)')")
        }
        return v
    }

    /// `--from` / `--to` as epoch seconds.
    private func replayTime(_ text: String?, _ option: String) throws -> Double? {
        guard let text else { return nil }
        guard let t = UTCTime.parse(text) else {
            throw CommandFailure(
                "\(option) '\(text)': not a time (epoch seconds or ISO-8601 UTC, e.g. 2025-09-03T00:33:50Z)",
                code: QFluxExit.usage)
        }
        return t
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "qflux.stream")
        var config = LiveStream.Configuration()
        config.pipeline.timeframes = try candles.timeframes()
        config.pipeline.lateness = .candles(candles.lateCandles)
        config.pipeline.archive = collect.archive
        // The CSV API and run_backtest serve --data-dir whether or not this stream collects.
        config.dataDirectory = collect.dataDirectory
        config.server.bindAddress = bind
        config.server.port = port
        let resolvedToken = try access.resolveToken(token)
        if access.protectHTTP && resolvedToken == nil {
            throw CommandFailure("--protect-http needs a token (--token, --token-file or QFLUX_TOKEN)")
        }
        access.apply(to: &config.server, token: resolvedToken)
        config.server.followChart = followChart
        config.demo.ticksPerSecond = demoRate
        config.demo.assets = demoAssets
        if let demoSeed { config.demo.seed = demoSeed }
        config.demo.tickLogPath = demoTickLog
        config.source = demo ? .demo : .chrome
        if let redisSource { config.source = .redis(try RedisAddress(parsing: redisSource)) }
        config.pipeline.publish = try publishing.configuration()
        config.chrome.address = try CDPAddress(parsing: cdp)
        if let target { config.chrome.matcher = TargetMatcher(patterns: [target]) }
        config.chrome.pollInterval = chromePoll

        // SIGINT/SIGTERM only set a flag (async-signal-safe); the main thread polls it. (On Linux a
        // dispatch signal source never sees an ignored signal, so that route can't be used.)
        signal(SIGPIPE, SIG_IGN)
        // SIGHUP (the terminal closed) stops the same way: flush, close, exit 0.
        StopSignals.install()

        _ = try signalOptions.specs()  // a bad spec fails before anything runs
        var replaySource: ArchiveReplaySource?
        if let replayArchive {
            let plan: ArchiveReplayPlan
            do {
                plan = try ArchiveReplayPlan.load(
                    directory: replayArchive, from: try replayTime(from, "--from"), to: try replayTime(to, "--to"))
            } catch let error as ArchiveReplayPlan.LoadError {
                throw CommandFailure(error.description)
            }
            // A replay waits for the engine instead of dropping ticks (at --speed max especially).
            config.pipeline.backpressure = .wait
            replaySource = ArchiveReplaySource(
                plan: plan, configuration: ArchiveReplaySource.Configuration(speed: try replaySpeed()))
            StandardStreams.err(
                "qflux stream: replaying \(plan.ticks.count) ticks of \(Set(plan.ticks.map(\.asset)).count) assets from \(replayArchive) (\(UTCTime.iso8601(seconds: Int64(plan.ticks.first!.time))) – \(UTCTime.iso8601(seconds: Int64(plan.ticks.last!.time))))"
            )
        }
        let stream =
            try replaySource.map { try LiveStream(configuration: config, source: $0, logger: logger) }
            ?? LiveStream(configuration: config, logger: logger)
        // The screener journals under --data-dir whether or not a client is connected.
        let screener = try signalOptions.screener(
            assets: stream.assets, payouts: stream.payoutBoard, dataDirectory: collect.dataDirectory)
        // Without --signals, one with no spec runs what subscribe_signals starts (not journaled).
        let signalEngine =
            try screener ?? signalOptions.onDemandScreener(assets: stream.assets, payouts: stream.payoutBoard)
        stream.attach(screener: signalEngine)
        try collect.checkWritable()
        do {
            try stream.start()
        } catch is StreamServerError {
            throw CommandFailure(ListenAddress.failure(address: bind, port: port))
        }
        let page = "http://\(ListenAddress.pageHost(bind)):\(stream.port)/"
        if replaySource != nil {
            StandardStreams.err("qflux stream: archive replay at speed \(speed ?? "1") – open \(page) (Ctrl-C to stop)")
        } else if case let .redis(address) = config.source {
            StandardStreams.err(
                "qflux stream: source Redis at \(address) (qflux:ticks:*) – open \(page) (Ctrl-C to stop)")
        } else if demo {
            StandardStreams.err(
                "qflux stream: demo broker, \(demoAssets) assets at \(demoRate) ticks/s – open \(page) (Ctrl-C to stop)"
            )
        } else {
            StandardStreams.err(
                "qflux stream: source Chrome at \(config.chrome.address), pages matching \(config.chrome.matcher.summary) – open \(page) (Ctrl-C to stop)"
            )
        }
        if let warning = AccessPolicy.exposureWarning(bind: bind, port: stream.port, hasToken: resolvedToken != nil) {
            StandardStreams.err(warning)
        }
        if let publish = config.pipeline.publish {
            StandardStreams.err(
                "qflux stream: publishing ticks and closed candles to \(publish.address) (MAXLEN ~ \(publish.maxLength), backlog up to \(publish.maxBacklog) records)"
            )
        }
        if let archive = collect.archive {
            StandardStreams.err("qflux stream: archiving \(archive.collect.rawValue) to \(archive.directory)")
        }
        while stopSignal.load(ordering: .relaxed) == 0 { usleep(Self.stopPollMicroseconds) }
        StandardStreams.err("qflux stream: stopping – flushing candles and archive…")
        let summary: PipelineSummary
        do {
            summary = try stream.stop()
        } catch {
            throw CommandFailure("archive error while closing", error)
        }
        let c = summary.counters
        withExtendedLifetime(signalEngine) {}  // the pipeline held it weakly until it stopped
        if let screener {
            do { try screener.close() } catch { throw CommandFailure("signal journal error while closing", error) }
            StandardStreams.err(
                "qflux stream:" + SignalOptions.summary(screener, directory: collect.dataDirectory).dropFirst())
        }
        if let p = stream.publisher?.counters {
            StandardStreams.err(
                "qflux stream: published \(p.ticks.load(ordering: .relaxed)) ticks and \(p.candles.load(ordering: .relaxed)) candles to Redis, \(p.dropped.load(ordering: .relaxed)) dropped, \(p.reconnects.load(ordering: .relaxed)) reconnects"
            )
        }
        StandardStreams.err(
            "qflux stream: stopped: \(c.ticks) ticks, \(c.candlesClosed) candles closed, \(summary.ringDropped) dropped, \(c.malformedInput) malformed (\(c.absurdValues) absurd values), \(c.ticksAheadOfStream) ticks ahead of the stream refused\(summary.archive.map { ", archived \($0.ticks) ticks and \($0.candles) candles in \($0.chunksClosed) chunks" } ?? "")"
        )
    }
}
