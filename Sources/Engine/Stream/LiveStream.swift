import FastDecode
import Foundation
import Logging

/// `qflux stream`: a source (the demo broker; Chrome over CDP later) feeding the pipeline, whose
/// candle updates go to the Socket.IO server front once per engine batch.
public final class LiveStream: PipelineSink, @unchecked Sendable {
    /// How the stream runs.
    public struct Configuration: Sendable {
        /// Candles, archive, ring.
        public var pipeline = PipelineConfiguration()
        /// Bind address, port, token, limits.
        public var server = StreamServerConfig()
        /// The demo source's settings (the only source in this build).
        public var demo = DemoBroker.Configuration()

        /// Defaults: live backpressure (drop, never block the source).
        public init() { pipeline.backpressure = .drop }
    }

    private let configuration: Configuration
    private let logger: Logger
    private let pipeline: MarketPipeline
    private let feeder: PipelineFeeder
    private let server: StreamServer
    private let demo: DemoBroker
    private let startedAt = Date()
    private var published: [Candle] = []

    /// Prepares the stream: opens the archive and creates the server (nothing runs yet).
    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let assets = AssetDirectory()
        pipeline = try MarketPipeline(configuration: configuration.pipeline, assets: assets, logger: logger)
        feeder = try pipeline.makeFeeder()
        demo = DemoBroker(configuration: configuration.demo)
        let source = PipelineDataSource(pipeline: pipeline, archiveDirectory: configuration.pipeline.archive?.directory,
                                        demo: demo)
        server = StreamServer(config: configuration.server, dataSource: source, directory: assets,
                              initialStatus: SourceStatus(kind: .demo, connected: true), logger: logger)
        pipeline.attach(sink: self)
        published.reserveCapacity(8192)
    }

    /// The port the server listens on.
    public var port: Int { server.boundPort }

    /// Starts the server, the engine and the source.
    public func start() throws {
        try server.start()
        pipeline.start()
        try demo.start(feeder: feeder)
        server.setSourceStatus(SourceStatus(kind: .demo, connected: true))
    }

    /// Stops the source, drains and flushes the pipeline (archive closed), then closes clients.
    public func stop() throws -> PipelineSummary {
        demo.stop()
        defer { server.stop() }
        return try pipeline.finish()
    }

    // MARK: PipelineSink (engine thread)

    public func pipeline(candleEvents: [CandleEvent]) {
        published.removeAll(keepingCapacity: true)
        for event in candleEvents { published.append(event.candle) }
        server.publish(published)
    }

    public func pipeline(chart: ChartFocus) {
        server.publishAssetDetected(chart.asset)
    }

}
