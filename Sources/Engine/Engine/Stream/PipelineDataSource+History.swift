import Archive
import Candles
import FastDecode
import SocketIOServer

/// The history a client gets when it starts a stream or subscribes (`historical_candles_loaded`,
/// and `get_cached_historical_data` on a cache miss): the asset's newest archived candles under
/// the data directory, then the candles in memory (formed from live ticks and the broker's
/// history snapshots, the forming one last). So a restarted server – with an archive and no
/// source yet – shows the chart's past at once.
extension PipelineDataSource {
    /// Archived candles read for one history (the original sent up to 200).
    static let archivedHistoryLimit = 200

    /// Archived candles older than memory's first, then memory's; `source` is `"archive"`,
    /// `"memory"` or `"archive+memory"` (which of them gave candles; `"memory"` when neither did).
    /// Worker queue: reads at most ``ArchiveTail/maxChunks`` chunk files.
    func chartHistory(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        let memory = pipeline.recent.candles(asset: asset, timeframe: timeframe)
        guard let archiveDirectory else { return CandleHistory(candles: memory, source: "memory") }
        let stored = ArchiveTail.candles(
            directory: archiveDirectory, asset: pipeline.assets.name(of: asset),
            timeframeSeconds: timeframe.seconds, limit: Self.archivedHistoryLimit)
        let firstInMemory = memory.first?.start ?? Int64.max
        let older = stored.filter { $0.start < firstInMemory }.map {
            Candle(
                asset: asset, timeframe: timeframe, start: $0.start, open: $0.open, high: $0.high, low: $0.low,
                close: $0.close, ticks: $0.ticks)
        }
        let source =
            older.isEmpty ? "memory" : (memory.isEmpty ? "archive" : "archive+memory")
        return CandleHistory(candles: older + memory, source: source)
    }
}
