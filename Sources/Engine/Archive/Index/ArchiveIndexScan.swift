import Dispatch
import Synchronization
import ThreadSupport

/// The index scan on several threads, keeping candle records: a reader of candles
/// (`qflux indicators` / `backtest` from an archive) reads every chunk once, not once for the
/// index and again for the records.
extension ArchiveIndex {
    /// Reads every chunk's header and records on up to `threads` threads (each its own reader,
    /// taking batches of the sorted paths as it gets to them, so a thread slowed down by
    /// anything else leaves more of the work to the others; summaries and failures come out in
    /// path order, as from one thread). With `keepingCandles` > 0 the records of candle chunks
    /// are kept as well, in file order, by chunk path (``keptCandles``), while the kept records
    /// stay within that many in all: chunks past it are left for their reader to read again.
    package static func scan(directory: String, keepingCandles limit: Int, threads: Int) throws(ArchiveError)
        -> ArchiveIndex
    {
        let paths = try chunkPaths(in: directory)
        let lanes = max(1, min(threads, paths.count / minimumChunksPerThread))
        let batches = (paths.count + chunksPerBatch - 1) / chunksPerBatch
        let results = UnsafeMutablePointer<LaneResult>.allocate(capacity: batches)
        results.initialize(repeating: LaneResult(), count: batches)
        defer {
            results.deinitialize(count: batches)
            results.deallocate()
        }
        let job = LaneJob(paths: paths, batches: batches, keepLimit: max(0, limit), results: results)
        if lanes == 1 {
            job.run()
        } else {
            DispatchQueue.concurrentPerform(iterations: lanes) { _ in job.run() }
        }
        if let failure = job.failure.withLock({ $0 }) { throw failure }
        var index = ArchiveIndex(directory: directory, chunks: [], unreadable: [], series: [])
        index.chunks.reserveCapacity(paths.count)
        if limit > 0 { index.keptCandles.reserveCapacity(paths.count) }
        for batch in 0..<batches {
            index.chunks += results[batch].chunks
            index.unreadable += results[batch].unreadable
            index.keptCandles.merge(results[batch].kept) { a, _ in a }
        }
        index.series = group(index.chunks)
        return index
    }

    /// Fewer chunks than this per thread are read on fewer threads.
    static let minimumChunksPerThread = 64

    /// Chunks a thread takes at a time.
    static let chunksPerBatch = 16

    /// What one batch of paths gave.
    struct LaneResult {
        var chunks: [ChunkSummary] = []
        var unreadable: [(path: String, error: ArchiveError)] = []
        var kept: [String: [CandleRecord]] = [:]
    }

    /// The paths in batches of ``chunksPerBatch``, taken in order by whichever thread asks
    /// next; batch `i` is written only by the thread that took it, into `results[i]`.
    final class LaneJob: @unchecked Sendable {
        let paths: [String]
        let batches: Int
        let keepLimit: Int
        let results: UnsafeMutablePointer<LaneResult>
        /// The next batch to take.
        let next = Atomic<Int>(0)
        /// Records kept so far, by every thread.
        let keptCount = Atomic<Int>(0)
        /// A reader that could not be made (``Locked``: the project's pthread lock, which
        /// ThreadSanitizer sees).
        let failure = Locked<ArchiveError?>(nil)

        init(paths: [String], batches: Int, keepLimit: Int, results: UnsafeMutablePointer<LaneResult>) {
            self.paths = paths
            self.batches = batches
            self.keepLimit = keepLimit
            self.results = results
        }

        /// Takes batches until none is left.
        func run() {
            let reader: ArchiveReader
            do {
                reader = try ArchiveReader()
            } catch {
                failure.withLock { $0 = error }
                return
            }
            // Room for as many records as the last chunk had (a thread's chunks are mostly
            // alike): no growth copies per chunk.
            var lastCount = 0
            while true {
                let batch = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard batch < batches else { return }
                var out = LaneResult()
                let start = batch * chunksPerBatch
                for path in paths[start..<min(paths.count, start + chunksPerBatch)] {
                    var records: [CandleRecord] = []
                    let keeping = keptCount.load(ordering: .relaxed) < keepLimit
                    if keeping { records.reserveCapacity(min(lastCount, keepLimit)) }
                    do {
                        let summary = try reader.scan(
                            path, ticks: { _ in },
                            candles: { c in
                                if keeping { records.append(c) }
                            })
                        out.chunks.append(summary)
                        lastCount = records.count
                        if keeping, summary.header.kind == .candles, records.count == summary.records,
                            keep(records.count)
                        {
                            out.kept[summary.path] = records
                        }
                    } catch {
                        out.unreadable.append((path, error))
                    }
                }
                results[batch] = out
            }
        }

        /// Counts `n` more kept records when they stay within the limit.
        private func keep(_ n: Int) -> Bool {
            let total = keptCount.wrappingAdd(n, ordering: .relaxed).newValue
            if total <= keepLimit { return true }
            keptCount.wrappingSubtract(n, ordering: .relaxed)
            return false
        }
    }
}
