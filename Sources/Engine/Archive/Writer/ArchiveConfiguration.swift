/// Where and what the archive writer stores (`--data-dir`, `--collect-stream`,
/// `--tick-chunk-size`, `--candle-chunk-size`).
package struct ArchiveConfiguration: Sendable, Equatable {
    /// The data directory (created when missing).
    package var directory: String
    /// Which streams are archived.
    package var collect: ArchiveCollect
    /// Ticks per chunk before it is closed and a new one started (default 1000).
    package var tickChunkSize: Int
    /// Candles per chunk (default 100).
    package var candleChunkSize: Int
    /// Longest time, in seconds, appended records wait before reaching the disk (default 1 s).
    package var flushInterval: Double
    /// Whether a chunk is fsynced (file and folder) before it is renamed closed: closed chunks
    /// then survive a power cut, not only a crash. Replays turn it off and sync once at the end
    /// (a replay of a capture can be run again; fsyncing every 1000-tick chunk made it disk-bound).
    package var fsyncOnClose = true
    /// Fault injection for tests of a slow disk: seconds slept before every fsync (0 = none).
    package var injectedSyncDelay: Double = 0

    /// A configuration; chunk sizes are kept within 1…``ChunkHeader/maxRecords`` (2^20).
    package init(
        directory: String, collect: ArchiveCollect = .both, tickChunkSize: Int = 1000,
        candleChunkSize: Int = 100, flushInterval: Double = 1.0
    ) {
        self.directory = directory
        self.collect = collect
        self.tickChunkSize = min(max(1, tickChunkSize), ChunkHeader.maxRecords)
        self.candleChunkSize = min(max(1, candleChunkSize), ChunkHeader.maxRecords)
        self.flushInterval = flushInterval
    }
}

/// What the writer has done so far.
package struct ArchiveWriterStatistics: Sendable, Equatable {
    /// Ticks accepted.
    package var ticks = 0
    /// Candles accepted.
    package var candles = 0
    /// Payout changes accepted (kind `payouts`; not in ``records``).
    package var payouts = 0
    /// Records lost to disk errors (appended while a stream was failing, or not yet written when
    /// the error happened).
    package var droppedRecords = 0
    /// Compressed bytes written.
    package var bytesWritten = 0
    /// Chunks created.
    package var chunksOpened = 0
    /// Chunks closed (renamed to their final name).
    package var chunksClosed = 0
    /// Errors thrown.
    package var errors = 0
    /// Records accepted (ticks + candles).
    package var records: Int { ticks + candles }

    /// All zero.
    package init() {}
}
