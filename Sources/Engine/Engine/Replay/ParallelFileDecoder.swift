import FastDecode
import Foundation
import Ring
import Synchronization
import ThreadSupport

/// Decodes one recorded file (CDP or perf-log JSONL) on several threads and hands every event
/// to the caller **in file order**, so the engine sees exactly the sequence a single decoder
/// would produce (the same ticks in the same order per asset and across assets).
///
/// The file is cut into pieces of about ``segmentBytes`` (see ``ReplaySegments``); decoding
/// thread `w` takes pieces `w, w + n, w + 2n, …`, decodes each with its own ``MarketDecoder``
/// (socket state reset per piece) and pushes the events, then an end marker, into its own SPSC
/// ring. The calling thread takes piece 0 from ring 0, piece 1 from ring 1, … and hands the
/// events on (a replay runs this on the engine thread itself: ``run(into:stop:observe:)``).
///
/// Pieces are read where the page cache holds them, through a read-only mapping of the file
/// (``mapsFile``): `pread`'s copy into a buffer was 6–10 % of a replay's CPU. A piece is read
/// with `pread` instead when the file has shrunk since it was opened, or when fewer than 64
/// bytes follow it in the mapping's last page. A file truncated by another program in the
/// instant between that check and the read would still end the process with SIGBUS, as it does
/// any reader of mapped files; `mapsFile: false` (`qflux replay --no-mmap`) reads every piece.
/// Memory: one ring per thread and a few pieces' pages (each piece's pages are dropped once it
/// is decoded), whatever the file size.
package final class ParallelFileDecoder {
    /// One slot of a decoding thread's ring.
    enum Item: Sendable {
        case event(DecodedEvent)
        case endOfSegment
        case failed(ReplayReadError)
    }

    /// Decoding threads.
    package let threads: Int
    /// Target piece size in bytes.
    package let segmentBytes: Int
    private let path: String
    private let assets: AssetDirectory
    private let maxMessageBytes: Int
    /// Pieces are read through a mapping of the file (false: every piece with `pread`).
    package let mapsFile: Bool

    /// - Parameters:
    ///   - path: a regular file.
    ///   - threads: decoding threads (at least 1).
    ///   - segmentBytes: piece size; pieces are decoded and handed on whole.
    ///   - assets: the directory the engine uses (shared by the decoders; thread-safe).
    ///   - mapsFile: read pieces through a read-only mapping of the file (see above).
    package init(
        path: String, threads: Int, segmentBytes: Int = 4 << 20, assets: AssetDirectory,
        maxMessageBytes: Int = 256 << 20, mapsFile: Bool = true
    ) {
        self.mapsFile = mapsFile
        self.path = path
        self.threads = max(1, threads)
        self.segmentBytes = max(1, segmentBytes)
        self.assets = assets
        self.maxMessageBytes = maxMessageBytes
    }

    /// Decodes the file, calling `deliver` on the calling thread with every event in file order.
    /// Returns the decoders' statistics (summed) and the bytes read. `stop()` is asked between
    /// batches of at most 4096 events; when it turns true, nothing more is delivered; the
    /// statistics then also count what the threads had decoded ahead and was not delivered.
    package func run(stop: () -> Bool = { false }, _ deliver: (DecodedEvent) -> Void) throws -> (
        stats: DecodeStats, bytes: Int
    ) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DecodeError(.unreadableInput(path: path, errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DecodeError(.unreadableInput(path: path, errno: errno)) }
        let size = Int(info.st_size)
        let cuts: [Int]
        do { cuts = try ReplaySegments.boundaries(fd: fd, size: size, target: segmentBytes) } catch {
            throw DecodeError(.unreadableInput(path: path, errno: error.errno))
        }
        let pieces = cuts.count - 1
        let workers = min(threads, max(pieces, 1))
        // Each decoder numbers assets in its own directory; the calling thread maps them into
        // `assets` in event order, so ids come out as one decoder reading the file would assign them.
        // The calling thread keeps its own references to the directories: asking a decoder for
        // its `assets` reads state its thread is writing (a Swift access race under TSan).
        let directories = (0..<workers).map { _ in AssetDirectory() }
        // Each decoder is its worker thread's (the first to use it), then the calling thread's
        // again once the workers are joined (for the statistics).
        let decoders = try directories.map {
            ThreadBound(ownedByFirstUser: try MarketDecoder(assets: $0, maxMessageBytes: maxMessageBytes))
        }
        var maps = [AssetMap](repeating: AssetMap(), count: workers)
        let rings = (0..<workers).map { _ in SPSCRing<Item>(capacity: 1 << 15) }
        let mapping = mapsFile ? FileMapping(fd: fd, size: size) : nil
        let cancelled = Atomic<Bool>(false)
        let finished = DispatchGroup()
        for w in 0..<workers {
            finished.enter()
            let decoder = decoders[w], ring = rings[w]
            let thread = Thread {
                // Made on its thread, never leaving it.
                let worker = DecodingWorker(
                    fd: fd, mapping: mapping, cuts: cuts, first: w, stride: workers, decoder: decoder, ring: ring)
                worker.run(cancelled: { cancelled.load(ordering: .relaxed) })
                finished.leave()
            }
            thread.name = "qflux-decode-\(w)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        defer {
            cancelled.store(true, ordering: .relaxed)
            finished.wait()
        }
        var backoff = SpinBackoff()
        pieces: for piece in 0..<pieces {
            let w = piece % workers
            let ring = rings[w]
            let local = directories[w]
            var map = maps[w]
            maps[w] = AssetMap()  // `map` stays uniquely referenced while it grows
            defer { maps[w] = map }
            var failure: ReplayReadError?
            while true {
                // Up to 4096 items per pop: one release store frees their slots.
                let (taken, ended) = ring.popWhile(max: 4096) { item in
                    switch item {
                    case .event(let event):
                        deliver(map.global(event, from: local, into: assets))
                        return true
                    case .endOfSegment:
                        return false
                    case .failed(let error):
                        failure = error
                        return false
                    }
                }
                if let failure { throw DecodeError(.unreadableInput(path: path, errno: failure.errno)) }
                if ended { break }
                if stop() { break pieces }
                if taken == 0 { backoff.wait() } else { backoff.reset() }
            }
        }
        cancelled.store(true, ordering: .relaxed)
        finished.wait()
        var stats = DecodeStats()
        for d in decoders {
            d.claim()  // the workers are joined (`finished`)
            stats.merge(d.value.stats)
        }
        return (stats, size)
    }
}

/// A decoding thread's asset ids → the shared directory's ids (calling thread only).
private struct AssetMap {
    private var ids: [UInt32] = []
    private static let unmapped = UInt32.max

    mutating func global(_ id: AssetID, from local: AssetDirectory, into shared: AssetDirectory) -> AssetID {
        let i = Int(id.rawValue)
        if i < ids.count, ids[i] != Self.unmapped { return AssetID(rawValue: ids[i]) }
        if i >= ids.count { ids.append(contentsOf: repeatElement(Self.unmapped, count: i + 1 - ids.count)) }
        let mapped = shared.register(local.name(of: id))
        ids[i] = mapped.rawValue
        return mapped
    }

    mutating func global(_ event: DecodedEvent, from local: AssetDirectory, into shared: AssetDirectory) -> DecodedEvent
    {
        switch event {
        case .tick(var t):
            t.asset = global(t.asset, from: local, into: shared)
            return .tick(t)
        case .history(var h):
            h.asset = global(h.asset, from: local, into: shared)
            return .history(h)
        case .chart(var c):
            c.asset = global(c.asset, from: local, into: shared)
            return .chart(c)
        case .payouts(var snapshot):
            for i in snapshot.payouts.indices {
                snapshot.payouts[i].asset = global(snapshot.payouts[i].asset, from: local, into: shared)
            }
            return .payouts(snapshot)
        case .socketOpened, .socketClosed:
            return event
        }
    }
}

/// One decoding thread's work: its pieces, its decoder, its ring. Made on that thread and never
/// leaving it (not `Sendable`); the decoder comes in a `ThreadBound` (the worker thread is its
/// first user), checked once per piece.
private final class DecodingWorker {
    let fd: Int32
    let mapping: FileMapping?
    let cuts: [Int]
    let first: Int
    let stride: Int
    let decoder: ThreadBound<MarketDecoder>
    let ring: SPSCRing<ParallelFileDecoder.Item>
    private var buffer: UnsafeMutableRawPointer?
    private var capacity = 0
    private static let padding = 64

    init(
        fd: Int32, mapping: FileMapping?, cuts: [Int], first: Int, stride: Int, decoder: ThreadBound<MarketDecoder>,
        ring: SPSCRing<ParallelFileDecoder.Item>
    ) {
        self.fd = fd
        self.mapping = mapping
        self.cuts = cuts
        self.first = first
        self.stride = stride
        self.decoder = decoder
        self.ring = ring
    }

    deinit { buffer?.deallocate() }

    func run(cancelled: () -> Bool) {
        var piece = first
        while piece < cuts.count - 1 {
            let start = cuts[piece], count = cuts[piece + 1] - start
            do throws(ReplayReadError) {
                let mapped = mapping?.piece(at: start, count: count, padding: Self.padding)
                let bytes: UnsafeRawBufferPointer
                if let mapped { bytes = mapped } else { bytes = try read(at: start, count: count) }
                defer { if mapped != nil { mapping?.release(at: start, count: count) } }
                let ring = self.ring
                var stop = false
                var lines = 0
                decoder.withValue { bound in
                    // A local reference for the piece: the line closure capturing the `inout`
                    // value instead retained and released the decoder on every line (callgrind).
                    let decoder = bound
                    decoder.resetSocketState()
                    LineReader.forEachLine(inPadded: bytes) { line, readable in
                        guard !stop else { return }
                        decoder.decode(line: line, readable: readable) { event in
                            if !stop, !ring.stageWaiting(.event(event), until: cancelled) { stop = true }
                        }
                        // Published every 64 lines (and when the ring is full, and at the end of the
                        // piece): the consumer's view of the tail moves in steps, not per event.
                        lines &+= 1
                        if lines & 63 == 0 { ring.publish() }
                    }
                }
                if stop || !ring.pushWaiting(.endOfSegment, until: cancelled) { return }
            } catch {
                _ = ring.pushWaiting(.failed(error), until: cancelled)
                return
            }
            piece += stride
        }
    }

    /// Reads one piece into the reused buffer, followed by 64 zero bytes.
    private func read(at offset: Int, count: Int) throws(ReplayReadError) -> UnsafeRawBufferPointer {
        if count + Self.padding > capacity {
            buffer?.deallocate()
            capacity = count + Self.padding
            buffer = .allocate(byteCount: capacity, alignment: 64)
        }
        let base = buffer!
        var filled = 0
        while filled < count {
            let n = pread(fd, base + filled, count - filled, off_t(offset + filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw ReplayReadError(errno: errno)
            }
            if n == 0 { break }  // the file shrank: decode what is there
            filled += n
        }
        memset(base + filled, 0, Self.padding)
        return UnsafeRawBufferPointer(start: base, count: filled)
    }
}

extension ParallelFileDecoder {
    /// Decodes the file into a pipeline: its engine thread takes the events straight from the
    /// decoding threads' rings, in file order (``MarketPipeline/feedOnEngineThread(_:)``), each
    /// shown to `observe` (on the engine thread) first. Events the pipeline's feeder published
    /// before are handled first. The calling thread waits until the file is done.
    package func run(
        into pipeline: MarketPipeline, stop: () -> Bool = { false },
        observe: (DecodedEvent) -> Void = { _ in }
    ) throws -> (stats: DecodeStats, bytes: Int) {
        try pipeline.feedOnEngineThread { deliver in
            try run(stop: stop) { event in
                observe(event)
                deliver(event)
            }
        }
    }
}

/// The file mapped read-only: a piece is decoded where the page cache holds it, without
/// `pread`'s copy. Shared by the decoding threads (read-only; `madvise` is thread-safe).
///
/// `@unchecked Sendable` because it owns raw memory the compiler cannot see into: the `mmap`ed
/// pages (unmapped in `deinit`). Its stored properties never change after `init`; the pages are
/// only read, and `madvise(MADV_DONTNEED)` on a private read-only mapping is thread-safe.
package final class FileMapping: @unchecked Sendable {
    private let fd: Int32
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// Bytes readable from `base`: the file's size rounded up to whole pages (the last page's
    /// bytes past the end of the file read as zero).
    private let readable: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `size` bytes of `fd` (kept open by the caller while the mapping lives); nil when the file is empty or cannot be mapped (then pieces are read).
    package init?(fd: Int32, size: Int) {
        guard size > 0, let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        self.fd = fd
        base = p
        length = size
        readable = (size + Self.pageSize - 1) / Self.pageSize * Self.pageSize
    }

    deinit { munmap(base, length) }

    /// The piece's bytes in place when at least `padding` readable bytes follow it and the file
    /// still has the size it was mapped with (a page past a shrunk file's end would raise SIGBUS:
    /// such a piece is read with `pread`, which decodes what is left), else nil.
    package func piece(at offset: Int, count: Int, padding: Int) -> UnsafeRawBufferPointer? {
        guard offset + count + padding <= readable else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) >= length else { return nil }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    /// Drops the piece's whole pages from this process's memory once decoded (they stay in the
    /// page cache): resident memory stays a few pieces, whatever the file size.
    package func release(at offset: Int, count: Int) {
        let first = (offset + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        let last = (offset + count) / Self.pageSize * Self.pageSize
        if last > first { madvise(base + first, last - first, MADV_DONTNEED) }
    }
}
