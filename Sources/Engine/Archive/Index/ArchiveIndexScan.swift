import Dispatch

/// The index scan on several threads, keeping candle records: a reader of candles
/// (`qflux indicators` / `backtest` from an archive) reads every chunk once, not once for the
/// index and again for the records.
extension ArchiveIndex {
    /// Reads every chunk's header and records on up to `threads` threads (each its own reader,
    /// a contiguous run of the sorted paths; summaries and failures come out in path order, as
    /// from one thread). With `keepingCandles` > 0 the records of candle chunks are kept as
    /// well, in file order, by chunk path (``keptCandles``), while the kept records stay within
    /// that many in all: chunks past it are left for their reader to read again.
    package static func scan(directory: String, keepingCandles limit: Int, threads: Int) throws(ArchiveError)
        -> ArchiveIndex
    {
        let paths = try chunkPaths(in: directory)
        let lanes = max(1, min(threads, paths.count / minimumChunksPerThread))
        let results = UnsafeMutablePointer<LaneResult>.allocate(capacity: lanes)
        results.initialize(repeating: LaneResult(), count: lanes)
        defer {
            results.deinitialize(count: lanes)
            results.deallocate()
        }
        let job = LaneJob(paths: paths, lanes: lanes, keepLimit: max(0, limit) / lanes, results: results)
        if lanes == 1 {
            job.run(lane: 0)
        } else {
            DispatchQueue.concurrentPerform(iterations: lanes) { job.run(lane: $0) }
        }
        var index = ArchiveIndex(directory: directory, chunks: [], unreadable: [], series: [])
        for lane in 0..<lanes {
            if let failure = results[lane].failure { throw failure }
            index.chunks += results[lane].chunks
            index.unreadable += results[lane].unreadable
            index.keptCandles.merge(results[lane].kept) { a, _ in a }
        }
        index.series = group(index.chunks)
        return index
    }

    /// Fewer chunks than this per thread are read on fewer threads.
    static let minimumChunksPerThread = 64

    /// What one thread read.
    struct LaneResult {
        var chunks: [ChunkSummary] = []
        var unreadable: [(path: String, error: ArchiveError)] = []
        var kept: [String: [CandleRecord]] = [:]
        /// The reader could not be made.
        var failure: ArchiveError?
    }

    /// The paths split into `lanes` contiguous runs; lane `i` writes only `results[i]`.
    final class LaneJob: @unchecked Sendable {
        let paths: [String]
        let lanes: Int
        let keepLimit: Int
        let results: UnsafeMutablePointer<LaneResult>

        init(paths: [String], lanes: Int, keepLimit: Int, results: UnsafeMutablePointer<LaneResult>) {
            self.paths = paths
            self.lanes = lanes
            self.keepLimit = keepLimit
            self.results = results
        }

        func run(lane: Int) {
            let start = paths.count * lane / lanes
            let end = paths.count * (lane + 1) / lanes
            var out = LaneResult()
            let reader: ArchiveReader
            do {
                reader = try ArchiveReader()
            } catch {
                out.failure = error
                results[lane] = out
                return
            }
            var keptCount = 0
            // Room for as many records as the last chunk had (a lane's chunks are mostly alike):
            // no growth copies per chunk.
            var lastCount = 0
            for path in paths[start..<end] {
                var records: [CandleRecord] = []
                let keeping = keptCount < keepLimit
                if keeping { records.reserveCapacity(min(lastCount, keepLimit - keptCount)) }
                do {
                    let summary = try reader.scan(
                        path, ticks: { _ in },
                        candles: { c in
                            if keeping { records.append(c) }
                        })
                    out.chunks.append(summary)
                    lastCount = records.count
                    if keeping, summary.header.kind == .candles, records.count == summary.records,
                        keptCount + records.count <= keepLimit
                    {
                        keptCount += records.count
                        out.kept[summary.path] = records
                    }
                } catch {
                    out.unreadable.append((path, error))
                }
            }
            results[lane] = out
        }
    }
}
