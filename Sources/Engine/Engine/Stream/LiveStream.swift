import Archive
import Candles
import ChromeCDP
import Demo
import FastDecode
import Foundation
import Logging
import MarketSource
import Metrics
import RedisBridge
import Ring
import SocketIOServer
import ThreadSupport

/// `qflux stream`: a source (the user's Chrome over CDP, or the demo broker) feeding the pipeline,
/// whose candle updates go to the Socket.IO server front once per engine batch. Source status
/// changes reach clients as `connection_status`, source errors as `stream_error`.
///
/// Plainly `Sendable`: the candle buffer the sink methods fill is the engine thread's, in a
/// `ThreadBound` (the engine thread is its first user; one check per batch); the rest is immutable.
package final class LiveStream: PipelineSink, Sendable {
    /// Which source feeds the stream.
    package enum SourceChoice: Sendable, Equatable {
        /// The built-in simulated broker (``Configuration/demo``).
        case demo
        /// The user's Chrome over the DevTools Protocol (``Configuration/chrome``).
        case chrome
        /// The tick streams another qflux publishes to Redis (`--source redis://…`): a server
        /// node with no browser.
        case redis(RedisAddress)
    }

    /// How the stream runs.
    package struct Configuration: Sendable {
        /// Candles, archive, ring.
        package var pipeline = PipelineConfiguration()
        /// Bind address, port, token, limits.
        package var server = StreamServerConfig()
        /// The source (default: the demo; `qflux stream` picks Chrome unless `--demo`).
        package var source: SourceChoice = .demo
        /// The demo source's settings.
        package var demo = DemoBroker.Configuration()
        /// The Chrome source's settings.
        package var chrome = ChromeSource.Configuration()
        /// The data directory the server lists and serves (CSV API, `get_available_data`,
        /// `run_backtest`), also when this stream does not collect; nil: the archive directory
        /// when collecting, else none.
        package var dataDirectory: String?

        /// Defaults: live backpressure (drop, never block the source).
        package init() { pipeline.backpressure = .drop }
    }

    private let configuration: Configuration
    private let logger: Logger
    private let pipeline: MarketPipeline
    private let feeder: PipelineFeeder
    private let server: StreamServer
    /// The source feeding the stream.
    package let source: any LiveSource
    /// The candles of one batch for the server (the engine thread's: the first to call the sink methods).
    private let published: ThreadBound<[Candle]>

    /// Prepares the stream with the source ``Configuration/source`` names: opens the archive and
    /// creates the server (nothing runs yet).
    package convenience init(configuration: Configuration, logger: Logger) throws {
        let source: any LiveSource =
            switch configuration.source {
            case .demo: DemoBroker(configuration: configuration.demo)
            case .chrome: ChromeSource(configuration: configuration.chrome, logger: logger)
            case let .redis(address):
                RedisSource(
                    configuration: Self.redisSourceConfiguration(address, configuration.pipeline), logger: logger)
            }
        try self.init(configuration: configuration, source: source, logger: logger)
    }

    /// Prepares the stream with a source of the caller's (``Configuration/source`` is ignored).
    package init(configuration: Configuration, source: any LiveSource, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.source = source
        let assets = AssetDirectory()
        // a restarted server knows its archive's assets before the source names them: a client's
        // start_stream finds them, and their history comes from the archive at once
        if let dir = configuration.dataDirectory ?? configuration.pipeline.archive?.directory {
            for name in ArchiveTail.assets(directory: dir, timeframeSeconds: Timeframe.oneMinute.seconds) {
                _ = assets.register(name)
            }
        }
        pipeline = try MarketPipeline(configuration: configuration.pipeline, assets: assets, logger: logger)
        feeder = try pipeline.makeFeeder()
        let data = PipelineDataSource(
            pipeline: pipeline,
            archiveDirectory: configuration.dataDirectory ?? configuration.pipeline.archive?.directory,
            source: source)
        var serverConfig = configuration.server
        // `subscribe` refuses timeframes the engine does not form (instead of staying silent)
        serverConfig.formedTimeframes = configuration.pipeline.timeframes
        server = StreamServer(
            config: serverConfig, dataSource: data, directory: assets,
            initialStatus: SourceStatus(kind: SourceStatus.Kind(source.kind), connected: false), logger: logger)
        var buffer: [Candle] = []
        buffer.reserveCapacity(8192)
        published = ThreadBound(ownedByFirstUser: buffer)
        pipeline.attach(sink: self)
    }

    /// The payouts in force, from the `updateAssets` lists the pipeline has taken (for the screener).
    package var payoutBoard: PayoutBoard { pipeline.counters.payoutBoard }

    /// Puts the signal screener (`--signals`, or one with no spec for on-demand evaluations only)
    /// in front of the stream's sink, before ``start()``:
    /// it sees every batch on the engine thread and hands it on to the stream. The caller keeps
    /// `screener` alive until the stream has stopped (the pipeline holds its sink weakly).
    package func attach(screener: SignalScreener) {
        screener.next = self
        pipeline.attach(sink: screener)
        // Live delivery (subscribe_signals): each event once to the network thread, after the journal.
        server.screenSignals(screener.screenedSpecs)
        // subscribe_signals on other strategies: evaluations started on demand, seeded from `recent`
        server.controlSignals(screener.enableOnDemand(recent: pipeline.recent))
        screener.onEvent = { [server] event in server.publishSignal(SignalDelivery(event)) }
    }

    /// The assets the stream has seen (names for the screener).
    package var assets: AssetDirectory { pipeline.assets }

    /// The Redis source's settings for a node whose pipeline runs `pipeline`.
    static func redisSourceConfiguration(_ address: RedisAddress, _ pipeline: PipelineConfiguration)
        -> RedisSource.Configuration
    {
        var c = RedisSource.Configuration(address: address)
        c.timeframes = pipeline.timeframes
        c.historyCandles = pipeline.keepClosedCandles
        return c
    }

    /// The Redis publisher (`--publish`), if any.
    package var publisher: RedisPublisher? { pipeline.publisher }

    /// The port the server listens on.
    package var port: Int { server.boundPort }

    /// The server's counters now (clients, messages sent, drops).
    package var serverStats: StreamServerStats { server.stats }

    /// The engine's counters now.
    package var counters: PipelineCounterSnapshot { pipeline.counters.snapshot }

    /// Starts the server, the engine and the source.
    package func start() throws {
        try server.start()
        pipeline.start()
        try source.start(feeder: feeder, events: ServerEvents(server: server, kind: SourceStatus.Kind(source.kind)))
    }

    /// Stops the source, drains and flushes the pipeline (archive closed), then closes clients.
    package func stop() throws -> PipelineSummary {
        source.stop()
        defer { server.stop() }
        return try pipeline.finish()
    }

    // MARK: PipelineSink (engine thread)

    package func pipeline(candleEvents: [CandleEvent]) {
        published.withValue { published in
            published.removeAll(keepingCapacity: true)
            for event in candleEvents { published.append(event.candle) }
            server.publish(published)
        }
    }

    package func pipeline(chart: ChartFocus) {
        server.publishAssetDetected(chart.asset)
    }
}

/// Source events → the server's `connection_status` / `stream_error`.
private struct ServerEvents: LiveSourceEvents {
    let server: StreamServer
    let kind: SourceStatus.Kind

    func sourceStatusChanged(connected: Bool) {
        server.setSourceStatus(SourceStatus(kind: kind, connected: connected))
    }

    func sourceError(_ message: String) {
        server.publishError(message)
    }
}

extension SourceStatus.Kind {
    /// The server's name for a source kind.
    init(_ kind: SourceKind) {
        switch kind {
        case .chrome: self = .chrome
        case .demo: self = .demo
        case .replay: self = .replay
        case .redis: self = .redis
        }
    }
}
