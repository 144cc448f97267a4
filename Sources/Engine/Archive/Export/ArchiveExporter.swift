import Candles
import FastDecode
import TextWriters

/// What `qflux export` writes.
package struct ExportOptions: Sendable {
    /// Output text format.
    package enum Format: String, Sendable, CaseIterable { case csv, jsonl }
    /// How CSV timestamps are written.
    package enum TimeStyle: String, Sendable, CaseIterable { case iso, epoch }

    /// Ticks or candles; `nil` picks candles when a timeframe is given, else ticks when there
    /// are any, else candles.
    package var kind: ArchiveKind?
    /// Asset spelling, matched ignoring case and punctuation; `nil` for all.
    package var asset: String?
    /// Candle timeframe: stored candles of it, or resampled from smaller candles or ticks.
    package var timeframe: Timeframe?
    /// Records at or after this epoch second.
    package var from: Double?
    /// Records before this epoch second.
    package var to: Double?
    package var format: Format
    package var time: TimeStyle

    /// Options.
    package init(
        kind: ArchiveKind? = nil, asset: String? = nil, timeframe: Timeframe? = nil, from: Double? = nil,
        to: Double? = nil, format: Format = .csv, time: TimeStyle = .iso
    ) {
        self.kind = kind
        self.asset = asset
        self.timeframe = timeframe
        self.from = from
        self.to = to
        self.format = format
        self.time = time
    }
}

/// What an export did.
package struct ExportSummary: Sendable {
    /// Rows written.
    package var rows = 0
    /// Chunks read.
    package var chunks = 0
    /// Chunks that ended early (read up to their last complete block).
    package var truncated: [String] = []
    /// Chunks with damage (read up to the damage).
    package var damaged: [String] = []
    /// Assets exported.
    package var assets: [String] = []
    /// Records left out because a time or price is not a plausible market value
    /// (``MarketLimits``: NaN, infinities, ±1e308, negative or zero prices, times outside the
    /// epoch range) or a candle's tick count is negative – what a poisoned or corrupted archive
    /// can hold. Nothing downstream ever sees them.
    package var skippedAbsurd = 0
}

/// Reads chunks of a data directory and writes ticks or candles as CSV or JSON lines into a
/// reused byte buffer, handed to `sink` in pieces of about 1 MB (no String per row).
package final class ArchiveExporter {
    private let directory: String
    private let options: ExportOptions
    private let sink: (UnsafeRawBufferPointer) -> Bool
    private let progress: ((Int, Int) -> Void)?
    private let out = ByteBuffer(capacity: 1 << 21)
    private var json = JSONWriter(capacity: 1 << 10)
    private var numbers = DecimalWriter()
    private var priceNumbers = DecimalWriter()
    private var timestamps = UTCTimestampWriter()
    private var sinkOpen = true
    private var summary = ExportSummary()
    /// Set by ``init(directory:options:threads:candles:)``: candles go here as records, not as text.
    private var candleRecords: ((CandleRecord) -> Void)?
    /// Told how many candles of an asset follow, before they go to ``candleRecords``.
    private var candleCount: ((Int) -> Void)?
    /// Set by ``init(directory:options:threads:runs:)``: stored candles of the timeframe go here
    /// as whole runs (see there); every other road still goes to ``candleRecords``.
    private var candleRuns: (([[CandleRecord]]) -> Void)?
    /// Threads that read the chunks (``ArchiveIndex/scan(directory:keepingCandles:threads:)``).
    private var scanThreads = 1

    /// Candle records the index scan keeps for the candle export (48 MB): beyond them, chunks
    /// are read a second time.
    package static let keptCandleLimit = 1 << 20

    /// An exporter. `sink` receives output bytes (returns false when the reader went away);
    /// `progress` gets (compressed bytes read, total) after each chunk.
    package init(
        directory: String, options: ExportOptions,
        sink: @escaping (UnsafeRawBufferPointer) -> Bool, progress: ((Int, Int) -> Void)? = nil
    ) {
        self.directory = directory
        self.options = options
        self.sink = sink
        self.progress = progress
    }

    /// An exporter of candles as records (`options.kind` should be `.candles`): the same candles,
    /// in the same order, as the text export would write, handed to `candles` one by one with no
    /// text in between (`qflux indicators` / `backtest` from an archive). The chunks are read on
    /// up to `threads` threads, candle chunks once (their records are kept from the index scan).
    /// `count`, when given, hears how many candles of an asset (at most) follow, before they do.
    package convenience init(
        directory: String, options: ExportOptions, threads: Int = 1, count: ((Int) -> Void)? = nil,
        candles: @escaping (CandleRecord) -> Void
    ) {
        self.init(directory: directory, options: options, sink: { _ in true })
        candleRecords = candles
        candleCount = count
        scanThreads = max(1, threads)
    }

    /// An exporter of candles as records, like ``init(directory:options:threads:count:candles:)``,
    /// that hands stored candles of the timeframe (the records written as read, the last of a
    /// start kept, in start order) to `runs` in whole runs – one per chunk when the index scan's
    /// kept records are taken as they are – with no call per candle; `runs` is called once per
    /// asset. With `options.from` / `options.to`, and for candles formed from smaller candles or
    /// ticks, the candles go one by one to `candles` as before.
    package convenience init(
        directory: String, options: ExportOptions, threads: Int = 1, runs: @escaping ([[CandleRecord]]) -> Void,
        count: ((Int) -> Void)? = nil, candles: @escaping (CandleRecord) -> Void
    ) {
        self.init(directory: directory, options: options, threads: threads, count: count, candles: candles)
        candleRuns = runs
    }

    /// Runs the export. Throws for a missing directory, a directory without chunks, no data for
    /// the asset, or several timeframes without `--timeframe`.
    package func run() throws(ArchiveError) -> ExportSummary {
        let index = try ArchiveIndex.scan(
            directory: directory, keepingCandles: candleRecords == nil ? 0 : Self.keptCandleLimit, threads: scanThreads)
        for (path, _) in index.unreadable { summary.damaged.append(path) }
        var series = index.series
        if let asset = options.asset {
            let key = AssetDirectory.looseKey(asset)
            let exact = series.filter { $0.asset == asset }
            series = exact.isEmpty ? series.filter { AssetDirectory.looseKey($0.asset) == key } : exact
            if series.isEmpty {
                let known = Set(index.series.map(\.asset)).sorted().joined(separator: ", ")
                throw ArchiveError(.noChunks, path: directory, detail: "no data for asset '\(asset)' (have: \(known))")
            }
        }
        let kind =
            options.kind
            ?? (options.timeframe != nil ? .candles : (series.contains { $0.kind == .ticks } ? .ticks : .candles))
        // Candles without --timeframe come from stored candles only.
        if kind == .candles, options.timeframe == nil { series = series.filter { $0.kind == .candles } }
        let assets = Array(Set(series.map(\.asset))).sorted()
        let total = series.reduce(0) { $0 + $1.compressedBytes }
        var done = 0
        let reader = try ArchiveReader()
        if kind == .ticks {
            if options.timeframe != nil {
                throw ArchiveError(.noChunks, path: directory, detail: "--timeframe makes candles; drop --kind ticks")
            }
            let ticks = series.filter { $0.kind == .ticks }
            guard !ticks.isEmpty else { throw ArchiveError(.noChunks, path: directory, detail: "no tick chunks") }
            summary.assets = Array(Set(ticks.map(\.asset))).sorted()
            if options.format == .csv { header("timestamp,asset,price\n") }
            for s in ticks {
                let name = csvField(s.asset)
                for chunk in s.chunks {
                    try readTicks(reader, chunk, asset: s.asset, csvName: name)
                    done += chunk.compressedBytes
                    progress?(done, total)
                }
            }
        } else {
            let withAsset = assets.count > 1
            if options.format == .csv {
                header(withAsset ? "timestamp,asset,open,close,high,low\n" : "timestamp,open,close,high,low\n")
            }
            let target: Int
            if let tf = options.timeframe {
                target = tf.seconds
            } else {
                let tfs = Set(series.filter { $0.kind == .candles }.map(\.timeframeSeconds)).sorted()
                guard let only = tfs.first else {
                    throw ArchiveError(.noChunks, path: directory, detail: "no candle chunks")
                }
                if tfs.count > 1 {
                    let names = tfs.map { Timeframe(seconds: $0).description }.joined(separator: ", ")
                    throw ArchiveError(
                        .noChunks, path: directory, detail: "several timeframes (\(names)): choose one with --timeframe"
                    )
                }
                target = only
            }
            for asset in assets {
                let mine = series.filter { $0.asset == asset }
                // Sources: stored candles of the timeframe, else the largest smaller one that
                // divides it, else ticks.
                let candleSources = mine.filter { $0.kind == .candles && target % $0.timeframeSeconds == 0 }
                    .sorted { $0.timeframeSeconds > $1.timeframeSeconds }
                var bucket = CandleBucket(seconds: Int64(target))
                // Stored candles of the timeframe itself, aligned to it: written as read (the last
                // record of a start wins), with no bucket in between; in runs (one per chunk when
                // the index scan's kept records are delivered as they are).
                var asStored: [[CandleRecord]]?
                if let best = candleSources.first, candleRecords != nil, best.timeframeSeconds == target,
                    let runs = Self.keptRuns(best.chunks, of: index, alignedTo: Int64(target))
                {
                    // Every chunk read by the index scan, plausible and in order: no copy of them.
                    for chunk in best.chunks {
                        note(chunk)
                        done += chunk.compressedBytes
                        progress?(done, total)
                    }
                    asStored = runs
                } else if let best = candleSources.first {
                    var records: [CandleRecord] = []
                    records.reserveCapacity(best.records)
                    for chunk in best.chunks {
                        let s: ChunkSummary
                        if let kept = index.keptCandles[chunk.path] {
                            // Read by the index scan: the same records, not read again.
                            for c in kept {
                                guard c.isPlausible else { summary.skippedAbsurd += 1; continue }
                                records.append(c)
                            }
                            s = chunk
                        } else {
                            s = try reader.scan(
                                chunk.path, ticks: { _ in },
                                candles: { c in
                                    guard c.isPlausible else { summary.skippedAbsurd += 1; return }
                                    records.append(c)
                                })
                        }
                        note(s)
                        done += chunk.compressedBytes
                        progress?(done, total)
                    }
                    if best.timeframeSeconds == target {
                        asStored = Self.lastPerStart(records, alignedTo: Int64(target)).map { [$0] }
                    }
                    if asStored == nil {
                        var latest: [Int64: CandleRecord] = [:]  // a revised candle: the last record wins
                        for c in records { latest[c.start] = c }
                        for start in latest.keys.sorted() { bucket.add(latest[start]!) }
                    }
                } else if let ticks = mine.first(where: { $0.kind == .ticks }) {
                    for chunk in ticks.chunks {
                        let s = try reader.scan(
                            chunk.path,
                            ticks: { t in
                                if !bucket.add(t) { summary.skippedAbsurd += 1 }
                            }, candles: { _ in })
                        note(s)
                        done += chunk.compressedBytes
                        progress?(done, total)
                    }
                } else {
                    continue
                }
                summary.assets.append(asset)
                let name = csvField(asset)
                if let asStored, let candleRuns, options.from == nil, options.to == nil {
                    // Whole runs: no per-candle call (nothing to filter), no count first.
                    candleRuns(asStored)
                    summary.rows += asStored.reduce(0) { $0 + $1.count }
                    continue
                }
                candleCount?(asStored?.reduce(0) { $0 + $1.count } ?? bucket.candles.count)
                if let asStored, let candleRecords {
                    // As records: straight to the receiver (no text, no per-row bookkeeping).
                    var delivered = 0
                    for run in asStored {
                        for c in run {
                            if let f = options.from, Double(c.start) < f { continue }
                            if let t = options.to, Double(c.start) >= t { continue }
                            candleRecords(c)
                            delivered += 1
                        }
                    }
                    summary.rows += delivered
                    continue
                }
                if let asStored {
                    for run in asStored {
                        for c in run {
                            if let f = options.from, Double(c.start) < f { continue }
                            if let t = options.to, Double(c.start) >= t { continue }
                            writeCandle(c, asset: asset, csvName: withAsset ? name : nil, timeframe: target)
                        }
                    }
                    continue
                }
                for start in bucket.candles.keys.sorted() {
                    if let f = options.from, Double(start) < f { continue }
                    if let t = options.to, Double(start) >= t { continue }
                    writeCandle(
                        bucket.candles[start]!, asset: asset, csvName: withAsset ? name : nil, timeframe: target)
                }
            }
        }
        drain(force: true)
        return summary
    }

    /// The index scan's kept records of `chunks`, one run per chunk, when every chunk's were kept
    /// and every record is plausible, aligned to `seconds` and later than the one before, across
    /// the chunks: then they are what ``lastPerStart(_:alignedTo:)`` of their concatenation
    /// gives, and need no copy. Nil otherwise (the records are then gathered and checked).
    static func keptRuns(_ chunks: [ChunkSummary], of index: ArchiveIndex, alignedTo seconds: Int64)
        -> [[CandleRecord]]?
    {
        guard seconds > 0 else { return nil }
        var runs: [[CandleRecord]] = []
        runs.reserveCapacity(chunks.count)
        var last = Int64.min
        for chunk in chunks {
            guard let kept = index.keptCandles[chunk.path] else { return nil }
            for c in kept {
                guard c.isPlausible, c.start % seconds == 0, c.start > last else { return nil }
                last = c.start
            }
            runs.append(kept)
        }
        return runs
    }

    /// The records in start order, the last of each start kept (what a dictionary by start
    /// and a sort give), or nil when a start is not a multiple of `seconds` (the bucket then
    /// merges it, as for a resampling). Records arrive in order: then this is one pass.
    static func lastPerStart(_ records: [CandleRecord], alignedTo seconds: Int64) -> [CandleRecord]? {
        guard seconds > 0, records.allSatisfy({ $0.start % seconds == 0 }) else { return nil }
        if zip(records, records.dropFirst()).allSatisfy({ $0.start < $1.start }) { return records }
        // Revised or out-of-order records: sort by start, file order within a start, keep the last.
        let order = records.indices.sorted { (records[$0].start, $0) < (records[$1].start, $1) }
        var out: [CandleRecord] = []
        out.reserveCapacity(records.count)
        for i in order {
            if let last = out.last, last.start == records[i].start {
                out[out.count - 1] = records[i]
            } else {
                out.append(records[i])
            }
        }
        return out
    }

    // MARK: - Ticks

    private func readTicks(_ reader: ArchiveReader, _ chunk: ChunkSummary, asset: String, csvName: [UInt8])
        throws(ArchiveError)
    {
        let from = options.from ?? -.infinity, to = options.to ?? .infinity
        if chunk.lastTime < from || chunk.firstTime >= to { return }
        if options.format == .csv {
            try readTicksCSV(reader, chunk, csvName: csvName, from: from, to: to)
            return
        }
        let s = try reader.scan(
            chunk.path,
            ticks: { t in
                guard t.isPlausible else { summary.skippedAbsurd += 1; return }
                guard t.time >= from, t.time < to else { return }
                json.removeAll()
                json.tick(asset: asset, time: t.time, price: t.price)
                json.newline()
                json.bytes.withUnsafeBytes { out.append($0) }
                summary.rows += 1
                if out.count >= 1 << 20 { drain(force: false) }
            }, candles: { _ in })
        note(s)
    }

    /// CSV tick rows, written through a local pointer into `out` (no class access per byte, so
    /// no exclusivity checks), with the formatters' state held locally for the chunk.
    private func readTicksCSV(
        _ reader: ArchiveReader, _ chunk: ChunkSummary, csvName: [UInt8],
        from: Double, to: Double
    ) throws(ArchiveError) {
        let limit = 1 << 20
        let rowMax = UTCTimestampWriter.maxLength + DecimalWriter.maxLength + csvName.count + 4
        out.reserve(limit + rowMax)
        let base = out.base
        var p = base + out.count
        var stamps = timestamps, epochs = numbers, prices = priceNumbers
        let iso = options.time == .iso
        var rows = 0
        var absurd = 0
        let s = try csvName.withUnsafeBufferPointer { name throws(ArchiveError) -> ChunkSummary in
            let nameBase = name.baseAddress!, nameCount = name.count
            return try reader.scan(
                chunk.path,
                ticks: { t in
                    guard t.isPlausible else { absurd += 1; return }
                    guard t.time >= from, t.time < to else { return }
                    if iso { stamps.write(t.time, at: &p) } else { epochs.write(t.time, at: &p) }
                    p.pointee = UInt8(ascii: ",")
                    (p + 1).update(from: nameBase, count: nameCount)
                    p += nameCount + 1
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                    prices.write(t.price, at: &p)
                    p.pointee = 0x0A
                    p += 1
                    rows += 1
                    if p - base >= limit {
                        out.count = p - base
                        drain(force: false)
                        p = base
                    }
                }, candles: { _ in })
        }
        out.count = p - base
        timestamps = stamps
        numbers = epochs
        priceNumbers = prices
        summary.rows += rows
        summary.skippedAbsurd += absurd
        note(s)
    }

    // MARK: - Candles

    private func writeCandle(_ c: CandleRecord, asset: String, csvName: [UInt8]?, timeframe: Int) {
        if let candleRecords {
            candleRecords(c)
            summary.rows += 1
            return
        }
        if options.format == .csv {
            if options.time == .iso {
                out.write(Double(c.start), with: &timestamps)
            } else {
                out.write(maxLength: 24) { DecimalWriter.writeScaled(c.start, 0, at: &$0) }
            }
            out.reserve(16 + (csvName?.count ?? 0))
            if let csvName {
                out.put(UInt8(ascii: ","))
                csvName.withUnsafeBytes { out.append($0) }
            }
            for v in [c.open, c.close, c.high, c.low] {
                out.reserve(1)
                out.put(UInt8(ascii: ","))
                out.write(v, with: &priceNumbers)
            }
            out.reserve(1)
            out.put(0x0A)
        } else {
            json.removeAll()
            json.candle(
                asset: asset, timeframe: timeframe, start: c.start, open: c.open, high: c.high, low: c.low,
                close: c.close, ticks: c.ticks)
            json.bytes.withUnsafeBytes { out.append($0) }
        }
        summary.rows += 1
        if out.count >= 1 << 20 { drain(force: false) }
    }

    // MARK: - Output

    private func note(_ s: ChunkSummary) {
        summary.chunks += 1
        switch s.condition {
        case .complete: break
        case .truncated: summary.truncated.append(s.path)
        case .damaged: summary.damaged.append(s.path)
        }
    }

    private func header(_ text: String) {
        out.append(Array(text.utf8))
    }

    /// A CSV field: quoted when it holds a comma, quote or newline.
    private func csvField(_ text: String) -> [UInt8] {
        let b = Array(text.utf8)
        guard b.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
        else { return b }
        var q: [UInt8] = [UInt8(ascii: "\"")]
        for c in b {
            if c == UInt8(ascii: "\"") { q.append(c) }
            q.append(c)
        }
        return q + [UInt8(ascii: "\"")]
    }

    private func drain(force: Bool) {
        if sinkOpen, out.count > 0 { sinkOpen = sink(out.bytes) }
        out.removeAll()
    }
}

extension ByteBuffer {
    /// Appends what `body` writes at a pointer with room for `maxLength` bytes.
    @inline(__always)
    fileprivate func write(maxLength: Int, _ body: (inout UnsafeMutablePointer<UInt8>) -> Void) {
        reserve(maxLength)
        var p = base + count
        body(&p)
        count = p - base
    }

    /// Appends `v` in shortest round-trip form.
    fileprivate func write(_ v: Double, with numbers: inout DecimalWriter) {
        write(maxLength: DecimalWriter.maxLength) { numbers.write(v, at: &$0) }
    }

    /// Appends epoch seconds `t` as `YYYY-MM-DD HH:MM:SS[.fff]Z`.
    fileprivate func write(_ t: Double, with stamps: inout UTCTimestampWriter) {
        write(maxLength: UTCTimestampWriter.maxLength) { stamps.write(t, at: &$0) }
    }
}

/// Candles formed from ticks or smaller candles, keyed by start (out-of-order input goes to the
/// candle its time belongs to; open/close follow time order).
///
/// Only plausible records (``CandleRecord/isPlausible``, ``TickRecord/isPlausible``) are taken: a
/// time of 1e308 or NaN has no candle start (converting it to an integer would trap), so `add`
/// refuses it and returns false.
struct CandleBucket {
    let seconds: Int64
    var candles: [Int64: CandleRecord] = [:]
    private var openAt: [Int64: Double] = [:]
    private var closeAt: [Int64: Double] = [:]

    init(seconds: Int64) { self.seconds = max(seconds, 1) }

    /// The candle start of a sane time (within ``MarketLimits/times``, so the conversion is exact).
    private func start(_ t: Double) -> Int64 {
        UTCTime.floorDiv(Int64(t.rounded(.down)), seconds) * seconds
    }

    /// Adds a tick; false (nothing added) when its time or price is not plausible.
    @discardableResult
    mutating func add(_ t: TickRecord) -> Bool {
        guard t.isPlausible else { return false }
        let s = start(t.time)
        if var c = candles[s] {
            c.high = max(c.high, t.price)
            c.low = min(c.low, t.price)
            c.ticks += 1
            if t.time < openAt[s]! { c.open = t.price; openAt[s] = t.time }
            if t.time >= closeAt[s]! { c.close = t.price; closeAt[s] = t.time }
            candles[s] = c
        } else {
            candles[s] = CandleRecord(start: s, open: t.price, high: t.price, low: t.price, close: t.price, ticks: 1)
            openAt[s] = t.time
            closeAt[s] = t.time
        }
        return true
    }

    /// Adds a smaller candle (call in start order); false (nothing added) when it is not plausible.
    @discardableResult
    mutating func add(_ c: CandleRecord) -> Bool {
        guard c.isPlausible else { return false }
        let s = start(Double(c.start))
        if var m = candles[s] {
            m.high = max(m.high, c.high)
            m.low = min(m.low, c.low)
            m.close = c.close
            m.ticks += c.ticks
            candles[s] = m
        } else {
            candles[s] = CandleRecord(start: s, open: c.open, high: c.high, low: c.low, close: c.close, ticks: c.ticks)
        }
        return true
    }
}
