import Archive
import Candles
import FastDecode
import Foundation
import MarketSource
import Metrics
import RedisBridge
import SocketIOServer
import Synchronization

/// The server's view of the engine: recent candles, the data directory's catalog (CSV API,
/// `get_available_data`, analysis requests), health and metrics, all readable from the server's
/// threads without waiting on the engine.
final class PipelineDataSource: StreamServerDataSource, Sendable {
    let pipeline: MarketPipeline
    /// The `--data-dir`, if any.
    let archiveDirectory: String?
    private let source: (any LiveSource)?
    /// The catalog of `archiveDirectory`.
    let catalog: ArchiveCatalog?
    /// Series clients stored with `store_csv_candles` (bounded, see ``StoredCandleStore``).
    let storedSeries = StoredCandleStore()
    /// `/api/signals`' reader: what it learned of the journal's chunks (SignalJournalPager.swift).
    let signalPager = SignalJournalPager()

    init(pipeline: MarketPipeline, archiveDirectory: String?, source: (any LiveSource)?) {
        self.pipeline = pipeline
        self.archiveDirectory = archiveDirectory
        self.source = source
        catalog = archiveDirectory.map(ArchiveCatalog.init(directory:))
    }

    /// The chart history: the archive's newest candles, then memory's (``chartHistory(asset:timeframe:)``).
    package func recentCandles(asset: AssetID, timeframe: Timeframe) -> CandleHistory {
        chartHistory(asset: asset, timeframe: timeframe)
    }

    /// `get_available_data`: the CSV API's listing (see ``csvFiles(timeframe:)``).
    package func availableFiles() throws -> [AvailableFile] {
        try csvFiles(timeframe: nil)
    }

    package func health() -> HealthSnapshot {
        let c = pipeline.counters.snapshot
        var snapshot = HealthSnapshot(
            ticks: UInt64(c.ticks), candleUpdates: UInt64(c.candleUpdates), lastTickTime: c.lastTickTime)
        if let publisher = pipeline.publisher { snapshot.extraMembers = publisher.healthMember() }
        let payouts = pipeline.counters.payoutBoard.healthMember()
        snapshot.extraMembers = snapshot.extraMembers.isEmpty ? payouts : snapshot.extraMembers + "," + payouts
        return snapshot
    }

    package func payoutPercents() -> [AssetID: Double] { pipeline.counters.payoutBoard.current.percent }

    package func metricsText() -> String {
        let c = pipeline.counters.snapshot
        var out = PrometheusText()
        out.add("qflux_ticks_total", .counter, "Live ticks that reached the candle former.", c.ticks)
        out.add("qflux_history_snapshots_total", .counter, "Broker history snapshots applied.", c.histories)
        out.add("qflux_candles_closed_total", .counter, "Candles closed, all timeframes.", c.candlesClosed)
        out.add("qflux_candle_updates_total", .counter, "Forming-candle updates, all timeframes.", c.candleUpdates)
        out.add("qflux_archive_errors_total", .counter, "Archive write errors.", c.archiveErrors)
        out.add(
            "qflux_malformed_input_total", .counter,
            "Malformed broker input the decoder counted and skipped (all kinds).",
            c.malformedInput)
        out.add(
            "qflux_absurd_values_total", .counter,
            "Ticks and candles refused: time or price outside MarketLimits (absurd, or past this machine's clock plus its tolerance).",
            c.absurdValues)
        out.add(
            "qflux_ticks_ahead_of_stream_total", .counter,
            "Live ticks refused for jumping ahead of the stream's clock.",
            c.ticksAheadOfStream)
        out.add("qflux_ring_fill", .gauge, "Decoded events waiting for the engine.", pipeline.ringFill)
        out.add("qflux_ring_capacity", .gauge, "Decode-to-engine ring capacity.", pipeline.ringCapacity)
        out.add(
            "qflux_ring_dropped_total", .counter, "Events dropped because the engine ring was full.",
            pipeline.ringDropped)
        if let archive = pipeline.archiveCounters {
            out.add(
                "qflux_archive_records_written_total", .counter, "Records the archive thread handed to the writer.",
                archive.written.load(ordering: .relaxed))
            out.add(
                "qflux_archive_backlog", .gauge, "Records waiting for the disk (archive ring + held back).",
                pipeline.archiveBacklog)
            out.add(
                "qflux_archive_held_back_total", .counter,
                "Records held back in memory because the archive ring was full (slow disk).",
                archive.spilled.load(ordering: .relaxed))
            out.add(
                "qflux_archive_held_back_peak", .gauge, "The most records held back at once.",
                archive.heldBackPeak.load(ordering: .relaxed))
            out.add(
                "qflux_archive_dropped_total", .counter, "Records dropped because the archive backlog was full.",
                archive.dropped.load(ordering: .relaxed))
        }
        if let publisher = pipeline.publisher { out.append(publisher.metricsText()) }
        if let source { out.append(source.metricsText()) }
        return out.text
    }
}
