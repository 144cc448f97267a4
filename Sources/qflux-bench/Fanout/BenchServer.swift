import Candles
import Engine
import FastDecode
import Foundation
import Logging
import SocketIOServer

/// qflux's server front as the fan-out stages run it: a free port, room for the stage's clients,
/// one asset (``assetName``) and nothing to report but what the stage publishes.
struct BenchServer {
    /// The asset every bench client asks for with `start_stream`.
    static let assetName = "BENCH_otc"

    let server: StreamServer
    let asset: AssetID

    /// Starts a server with room for `clients` connections (stop it with `server.stop()`);
    /// `traceFanout` records where each update's fan-out time goes (``StreamServer/takeFanoutTrace()``).
    init(clients: Int, traceFanout: Bool = false) throws {
        let directory = AssetDirectory()
        asset = directory.register(Self.assetName)
        var config = StreamServerConfig()
        config.port = 0
        config.maxClients = clients + 10
        config.traceFanout = traceFanout
        server = StreamServer(
            config: config, dataSource: NoData(), directory: directory,
            initialStatus: SourceStatus(kind: .replay, connected: true), logger: Logger(label: "bench"))
        try server.start()
    }

    /// The `candle_update` for minute `index`, every price its wall-clock send time (the clients
    /// read the latency from it).
    func update(_ index: Int64) -> Candle {
        let t = Date().timeIntervalSince1970
        return Candle(
            asset: asset, timeframe: .oneMinute, start: index * 60, open: t, high: t, low: t, close: t, ticks: 1)
    }

    /// Publishes `count` updates, one every 1/`rate` s from now, each on its own (calling thread).
    func publishPaced(rate: Double, count: Int64) {
        let begin = now()
        var i: Int64 = 0
        while i < count {
            i += 1
            server.publish(CollectionOfOne(update(i)))
            let wait = begin + Double(i) / rate - now()
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
    }

    /// Waits (≤ `timeout` s) until `clients` are connected, then 0.3 s more: connected is not yet
    /// focused, the last `start_stream` lands meanwhile.
    func awaitClients(_ clients: Int, timeout: Double = 15) {
        let start = now()
        while server.stats.clients < clients && now() - start < timeout { usleep(20_000) }
        usleep(300_000)
    }
}

/// A data source with nothing to report: the fan-out stages only publish.
private struct NoData: StreamServerDataSource {
    func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        CandleHistory(candles: [], source: "bench")
    }
    func availableFiles() throws -> [AvailableFile] { [] }
    func health() -> HealthSnapshot { HealthSnapshot(ticks: 0) }
    func metricsText() -> String { "" }
}
