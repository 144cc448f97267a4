import Candles
import FastDecode
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Archives ticks and closed candles as LZ4 chunk files (see docs/archive-format.md).
///
/// Called from one thread (the engine's). Appends encode into a reused buffer per stream – no
/// allocation per tick in steady state; ``flushIfDue(now:)`` (call it at least once a second)
/// writes what was appended as complete LZ4 blocks, so after a crash every closed chunk is intact
/// and the open one is readable up to the last flush. A disk error throws an ``ArchiveError``
/// (counted in ``statistics``); the failing stream then drops records for one flush interval and
/// starts a new chunk on the next append after it, so the caller can keep streaming.
package final class ArchiveWriter {
    /// The configuration.
    package let configuration: ArchiveConfiguration
    /// What was written, dropped and failed so far (read it on the writer's thread).
    /// (Counted per record on the archive thread alone: not checked at run time, see ``ByteBuffer``.)
    @exclusivity(unchecked) package private(set) var statistics = ArchiveWriterStatistics()

    private let assets: AssetDirectory
    private let logger: Logger
    @exclusivity(unchecked) private var tickStreams: [ChunkStream?] = []
    private var candleStreams: [CandleKey: ChunkStream] = [:]
    /// Payout streams by asset, with the payout last archived (only changes are archived).
    private var payoutStreams: [UInt32: (stream: ChunkStream, last: Double)] = [:]
    private var allStreams: [ChunkStream] = []
    private var now: Double = 0
    private var lastFlush: Double = -.infinity
    private var closed = false
    /// The data directory's lock, held from ``init`` until ``close()`` (and again from the next append).
    private var lock: DataDirectoryLock?

    private struct CandleKey: Hashable {
        var asset: UInt32
        var seconds: Int
    }

    /// A writer storing under `configuration.directory` (created now when missing).
    package init(configuration: ArchiveConfiguration, assets: AssetDirectory, logger: Logger) throws(ArchiveError) {
        self.configuration = configuration
        self.assets = assets
        self.logger = logger
        if configuration.collect != .none {
            try ChunkStream.makeDirectories(configuration.directory)
            lock = try DataDirectoryLock(directory: configuration.directory)
        }
    }

    deinit {
        if !closed { try? close() }
    }

    /// Archives one tick (no-op unless ticks are collected).
    @inline(__always)
    package func append(_ tick: Tick) throws(ArchiveError) {
        guard configuration.collect.ticks else { return }
        let index = Int(tick.asset.rawValue)
        let stream: ChunkStream
        if index < tickStreams.count, let s = tickStreams[index] {
            stream = s
        } else {
            stream = makeTickStream(index)
        }
        if !stream.isOpen { guard try start(stream, time: tick.time) else { return } }
        stream.tickEncoder.encode(time: tick.time, price: tick.price, into: stream.staged)
        statistics.ticks += 1
        try recorded(stream)
    }

    /// Archives one closed candle (no-op unless candles are collected). A revised candle may be
    /// appended again: readers keep the last record for a given start.
    package func append(_ candle: Candle) throws(ArchiveError) {
        guard configuration.collect.candles else { return }
        let key = CandleKey(asset: candle.asset.rawValue, seconds: candle.timeframe.seconds)
        let stream: ChunkStream
        if let s = candleStreams[key] {
            stream = s
        } else {
            stream = ChunkStream(
                directory: configuration.directory, asset: assets.name(of: candle.asset),
                kind: .candles, timeframeSeconds: candle.timeframe.seconds,
                chunkSize: configuration.candleChunkSize, durable: configuration.fsyncOnClose,
                syncDelay: configuration.injectedSyncDelay)
            candleStreams[key] = stream
            allStreams.append(stream)
        }
        if !stream.isOpen { guard try start(stream, time: Double(candle.start)) else { return } }
        stream.candleEncoder.encode(
            CandleRecord(
                start: candle.start, open: candle.open, high: candle.high,
                low: candle.low, close: candle.close, ticks: candle.ticks),
            into: stream.staged)
        statistics.candles += 1
        try recorded(stream)
    }

    /// Archives an asset's payout (percent) in force from `time` (kind ``ArchiveKind/payouts``),
    /// when anything is collected and the payout differs from the one last archived for the
    /// asset by this writer. Payout lists come a few times an hour: this is not a hot path.
    package func appendPayout(asset: AssetID, time: Double, percent: Double) throws(ArchiveError) {
        guard configuration.collect != .none, time.isFinite, percent.isFinite else { return }
        let stream: ChunkStream
        if let known = payoutStreams[asset.rawValue] {
            if known.last == percent { return }
            stream = known.stream
        } else {
            stream = ChunkStream(
                directory: configuration.directory, asset: assets.name(of: asset), kind: .payouts,
                timeframeSeconds: 0, chunkSize: configuration.tickChunkSize, durable: configuration.fsyncOnClose,
                syncDelay: configuration.injectedSyncDelay)
            allStreams.append(stream)
        }
        payoutStreams[asset.rawValue] = (stream, percent)
        if !stream.isOpen { guard try start(stream, time: time) else { return } }
        stream.tickEncoder.encode(time: time, price: percent, into: stream.staged)
        statistics.payouts += 1
        try recorded(stream)
    }

    /// Writes staged records of every stream when `flushInterval` has passed since the last
    /// flush. `now` is monotonic seconds (any clock, as long as it only moves forward).
    package func flushIfDue(now: Double) throws(ArchiveError) {
        self.now = now
        guard now - lastFlush >= configuration.flushInterval else { return }
        lastFlush = now
        try flush()
    }

    /// Writes staged records of every stream now. Throws the first error after trying all.
    package func flush() throws(ArchiveError) {
        var first: ArchiveError?
        for stream in allStreams where stream.isOpen {
            do {
                try stream.writeStaged(stats: &statistics)
            } catch {
                fail(stream, error)
                if first == nil { first = error }
            }
        }
        if let first { throw first }
    }

    /// Writes staged records, then fsyncs every open chunk file and its folder: every record
    /// appended so far survives a crash or power cut. For callers that acknowledge records
    /// elsewhere once they are durable (the Redis archiver node). Closed chunks were synced on close.
    package func sync() throws(ArchiveError) {
        try flush()
        for stream in allStreams where stream.isOpen {
            let folder =
                configuration.directory + "/"
                + ChunkNaming.folder(
                    asset: stream.asset, kind: stream.kind,
                    timeframeSeconds: stream.timeframeSeconds)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(ChunkNaming.openSuffix) {
                let fd = Glibc.open(folder + "/" + name, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                let failed = fsync(fd) != 0
                Glibc.close(fd)
                if failed { throw ArchiveError(.sync, path: folder + "/" + name, errno: Glibc.errno) }
            }
            let dfd = Glibc.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 { _ = fsync(dfd); Glibc.close(dfd) }
        }
    }

    /// Writes everything and closes every chunk (renamed to its final name). The writer can be
    /// used again afterwards (new chunks). Throws the first error after trying all.
    package func close() throws(ArchiveError) {
        closed = true
        defer { lock = nil }
        var first: ArchiveError?
        for stream in allStreams where stream.isOpen {
            do {
                try stream.closeChunk(stats: &statistics)
            } catch {
                fail(stream, error)
                if first == nil { first = error }
            }
        }
        if let first { throw first }
    }

    // MARK: - Internals

    private func makeTickStream(_ index: Int) -> ChunkStream {
        if index >= tickStreams.count {
            tickStreams.append(contentsOf: repeatElement(nil, count: index + 1 - tickStreams.count))
        }
        let stream = ChunkStream(
            directory: configuration.directory, asset: assets.name(of: AssetID(rawValue: UInt32(index))),
            kind: .ticks, timeframeSeconds: 0, chunkSize: configuration.tickChunkSize,
            durable: configuration.fsyncOnClose,
            syncDelay: configuration.injectedSyncDelay)
        tickStreams[index] = stream
        allStreams.append(stream)
        return stream
    }

    /// Opens a chunk for the stream; false when the stream is suspended after an error (the
    /// record is dropped).
    private func start(_ stream: ChunkStream, time: Double) throws(ArchiveError) -> Bool {
        if now < stream.suspendedUntil {
            statistics.droppedRecords += 1
            return false
        }
        closed = false
        do {
            if lock == nil { lock = try DataDirectoryLock(directory: configuration.directory) }
            try stream.open(firstTime: time, stats: &statistics)
            logger.debug("archive chunk opened", metadata: ["asset": "\(stream.asset)", "kind": "\(stream.kind)"])
        } catch {
            statistics.droppedRecords += 1
            fail(stream, error)
            throw error
        }
        return true
    }

    @inline(__always)
    private func recorded(_ stream: ChunkStream) throws(ArchiveError) {
        stream.chunkRecords += 1
        stream.stagedRecords += 1
        if stream.chunkRecords >= stream.chunkSize {
            do {
                try stream.closeChunk(stats: &statistics)
            } catch {
                fail(stream, error)
                throw error
            }
        } else if stream.staged.count >= 60_000 {
            do {
                try stream.writeStaged(stats: &statistics)
            } catch {
                fail(stream, error)
                throw error
            }
        }
    }

    private func fail(_ stream: ChunkStream, _ error: ArchiveError) {
        statistics.errors += 1
        stream.abandon(stats: &statistics, until: now + configuration.flushInterval)
        logger.error(
            "archive write failed; dropping \(stream.asset) \(stream.kind) records for \(configuration.flushInterval) s",
            metadata: ["error": "\(error)"])
    }
}
