import FastDecode
import Foundation

/// The server's view of the engine: recent candles, archive files, health and metrics, all
/// readable from the server's threads without waiting on the engine.
final class PipelineDataSource: StreamServerDataSource, @unchecked Sendable {
    private let pipeline: MarketPipeline
    private let archiveDirectory: String?
    private let source: (any LiveSource)?

    init(pipeline: MarketPipeline, archiveDirectory: String?, source: (any LiveSource)?) {
        self.pipeline = pipeline
        self.archiveDirectory = archiveDirectory
        self.source = source
    }

    public func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        CandleHistory(candles: pipeline.recent.candles(asset: asset, timeframe: timeframe), source: "qflux")
    }

    public func availableFiles() throws -> [AvailableFile] {
        guard let archiveDirectory else { return [] }
        let root = URL(fileURLWithPath: archiveDirectory).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: root) else { return [] }
        let paths: [String]
        do { paths = try ArchiveIndex.chunkPaths(in: root) } catch { throw error }
        return paths.compactMap { path in
            // <dir>/<asset>/<kind[_tf]>/<file>: only paths inside the data directory are listed.
            guard path.hasPrefix(root + "/") else { return nil }
            let relative = String(path.dropFirst(root.count + 1))
            let parts = relative.split(separator: "/").map(String.init)
            guard parts.count == 3 else { return nil }
            let kind = parts[1]
            let timeframe = kind.hasPrefix("candles_") ? String(kind.dropFirst("candles_".count)) : "ticks"
            return AvailableFile(filename: parts[2], asset: parts[0], timeframe: timeframe, path: relative)
        }
    }

    public func health() -> HealthSnapshot {
        let c = pipeline.counters.snapshot
        return HealthSnapshot(ticks: UInt64(c.ticks), candleUpdates: UInt64(c.candleUpdates), lastTickTime: c.lastTickTime)
    }

    public func metricsText() -> String {
        let c = pipeline.counters.snapshot
        var out = ""
        func metric(_ name: String, _ help: String, _ type: String, _ value: Int) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        metric("qflux_ticks_total", "Live ticks that reached the candle former.", "counter", c.ticks)
        metric("qflux_history_snapshots_total", "Broker history snapshots applied.", "counter", c.histories)
        metric("qflux_candles_closed_total", "Candles closed, all timeframes.", "counter", c.candlesClosed)
        metric("qflux_candle_updates_total", "Forming-candle updates, all timeframes.", "counter", c.candleUpdates)
        metric("qflux_archive_errors_total", "Archive write errors.", "counter", c.archiveErrors)
        metric("qflux_ring_fill", "Decoded events waiting for the engine.", "gauge", pipeline.ringFill)
        metric("qflux_ring_capacity", "Decode-to-engine ring capacity.", "gauge", pipeline.ringCapacity)
        metric("qflux_ring_dropped_total", "Events dropped because the engine ring was full.", "counter", pipeline.ringDropped)
        if let source { out += source.metricsText() }
        return out
    }
}
