import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import FoundationEssentials
import Logging
import SocketIOServer

/// Archive throughput and size: seeded ticks (`SimulatedMarket`, 15 assets) through
/// `ArchiveWriter` at replay speed (write MB/s, ticks/s, bytes per tick), read back with
/// `ArchiveReader` (MB/s), the record encoders and decoders alone in memory (format 2, and format 1
/// as it was before issue 14, on the same ticks), and a simulated live stream – 15 assets × 2
/// ticks/s for 10 minutes of simulated time with the writer's 1 s flushes – for the bytes a tick
/// costs on disk live.
struct ArchiveStage: BenchStage {
    let name = "archive"
    let summary =
        "ticks → LZ4 chunks (ArchiveWriter) and back (ArchiveReader); bytes per tick at replay speed and live rate"

    func run(_ context: BenchContext) throws -> [Figure] {
        let count = context.quick ? 300_000 : 1_500_000
        let ticks = BenchTicks(count: count, assets: 15, ticksPerSecondPerAsset: 2, seed: 7)
        var figures: [Figure] = []

        // Write at replay speed: the writer's clock is the real one (flushes once a second).
        var lastDirectory = ""
        var bytesWritten = 0
        let (writeSamples, written) = try measureThrowing(warmups: 1, runs: context.runs) { run in
            let dir = try context.temporaryDirectory(named: "archive-write-\(run % 2)").path
            let writer = try ArchiveWriter(
                configuration: ArchiveConfiguration(directory: dir, collect: .tick),
                assets: ticks.assets, logger: Logger(label: "bench.archive"))
            for t in ticks.ticks {
                try writer.append(t)
                try writer.flushIfDue(now: now())
            }
            try writer.close()
            lastDirectory = dir
            bytesWritten = writer.statistics.bytesWritten
            return writer.statistics.ticks
        }
        guard written == count * (context.runs + 1) else {
            throw BenchError("archive: wrote \(written) ticks, expected \(count * (context.runs + 1))")
        }
        let ws = writeSamples.median
        figures.append(
            Figure(
                stage: name, name: "write (\(count) ticks, 15 assets)", value: Double(bytesWritten) / ws / 1e6,
                unit: "MB/s", spreadPercent: writeSamples.spreadPercent, note: "compressed bytes on disk"))
        figures.append(
            Figure(
                stage: name, name: "write ticks/s", value: Double(count) / ws, unit: "ticks/s",
                spreadPercent: writeSamples.spreadPercent))
        figures.append(
            Figure(
                stage: name, name: "bytes per tick at replay speed", value: Double(bytesWritten) / Double(count),
                unit: "B", target: .atMost(2.5)))

        // Read back every chunk of the last run.
        let paths = try ArchiveIndex.chunkPaths(in: lastDirectory)
        let reader = try ArchiveReader()
        var readBytes = 0
        let (readSamples, read) = try measureThrowing(warmups: 1, runs: context.runs) { _ in
            var n = 0
            readBytes = 0
            for p in paths {
                let s = try reader.scan(p, ticks: { _ in n += 1 }, candles: { _ in })
                guard s.condition == .complete else { throw BenchError("archive: \(p) is \(s.condition)") }
                readBytes += s.compressedBytes
            }
            return n
        }
        guard read == count * (context.runs + 1) else {
            throw BenchError("archive: read \(read) ticks, expected \(count * (context.runs + 1))")
        }
        figures.append(
            Figure(
                stage: name, name: "read (ArchiveReader.scan)", value: Double(readBytes) / readSamples.median / 1e6,
                unit: "MB/s", spreadPercent: readSamples.spreadPercent,
                note: "\(formatNumber(Double(count) / readSamples.median)) ticks/s"))

        figures += try codecFigures(ticks, context)

        // Live rate: simulated clock, flushIfDue after every tick and every 50 ms of quiet.
        let live = BenchTicks(count: 15 * 2 * 600, assets: 15, ticksPerSecondPerAsset: 2, seed: 11)
        let liveDir = try context.temporaryDirectory(named: "archive-live").path
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: liveDir, collect: .tick),
            assets: live.assets, logger: Logger(label: "bench.archive"))
        let start = live.ticks[0].time
        var clock = start
        for t in live.ticks {
            while clock + 0.05 < t.time {
                clock += 0.05
                try writer.flushIfDue(now: clock - start)
            }
            clock = t.time
            try writer.append(t)
            try writer.flushIfDue(now: clock - start)
        }
        try writer.close()
        var liveRead = 0
        for p in try ArchiveIndex.chunkPaths(in: liveDir) {
            liveRead += try reader.scan(p, ticks: { _ in }, candles: { _ in }).records
        }
        guard writer.statistics.ticks == live.count, liveRead == live.count else {
            throw BenchError("archive live: wrote \(writer.statistics.ticks), read \(liveRead), expected \(live.count)")
        }
        let minutes = (live.ticks.last!.time - start) / 60
        figures.append(
            Figure(
                stage: name, name: "bytes per tick live (15 assets × 2/s, 1 s flushes)",
                value: Double(writer.statistics.bytesWritten) / Double(live.count), unit: "B", target: .atMost(2.5),
                note: "\(live.count) ticks over \(formatNumber(minutes)) simulated minutes"))
        return figures
    }
}

extension ArchiveStage {
    /// Encoding alone (no I/O): every tick into its asset's 1000-tick chunk buffer, format 2 and
    /// format 1; then decoding those chunks back. Ticks/s and record bytes per tick.
    func codecFigures(_ ticks: BenchTicks, _ context: BenchContext) throws -> [Figure] {
        let assets = 15, chunk = 1000
        var v2Chunks: [[UInt8]] = [], v1Bytes = 0
        let (v2Samples, v2Count) = measure(warmups: 1, runs: context.runs) {
            var encoders = [TickEncoder](repeating: TickEncoder(), count: assets)
            let buffers = (0..<assets).map { _ in ByteBuffer(capacity: 1 << 13) }
            var counts = [Int](repeating: 0, count: assets)
            v2Chunks.removeAll(keepingCapacity: true)
            for t in ticks.ticks {
                let a = Int(t.asset.rawValue)
                encoders[a].encode(time: t.time, price: t.price, into: buffers[a])
                counts[a] += 1
                if counts[a] == chunk {
                    encoders[a].finish(into: buffers[a])
                    v2Chunks.append(Array(buffers[a].bytes))
                    buffers[a].removeAll()
                    encoders[a] = TickEncoder()
                    counts[a] = 0
                }
            }
            for a in 0..<assets where counts[a] > 0 {
                encoders[a].finish(into: buffers[a])
                v2Chunks.append(Array(buffers[a].bytes))
            }
            return ticks.count
        }
        let (v1Samples, _) = measure(warmups: 1, runs: context.runs) {
            var encoders = [TickEncoderV1](repeating: TickEncoderV1(), count: assets)
            let buffers = (0..<assets).map { _ in ByteBuffer(capacity: 1 << 13) }
            var counts = [Int](repeating: 0, count: assets)
            v1Bytes = 0
            for t in ticks.ticks {
                let a = Int(t.asset.rawValue)
                encoders[a].encode(time: t.time, price: t.price, into: buffers[a])
                counts[a] += 1
                if counts[a] == chunk {
                    v1Bytes += buffers[a].count
                    buffers[a].removeAll()
                    encoders[a] = TickEncoderV1()
                    counts[a] = 0
                }
            }
            for a in 0..<assets { v1Bytes += buffers[a].count }
            return ticks.count
        }
        var failure: RecordEnd?
        let (decodeSamples, decoded) = measure(warmups: 1, runs: context.runs) {
            var n = 0
            for c in v2Chunks {
                let end = c.withUnsafeBytes { b in (try? RecordDecoder.bitTicks(b, from: 0) { _ in n += 1 }) ?? .cut }
                if end != .clean { failure = end }
            }
            return n
        }
        guard failure == nil, decoded == ticks.count * (context.runs + 1), v2Count == ticks.count * (context.runs + 1)
        else {
            throw BenchError(
                "archive codec: decoded \(decoded) ticks (\(failure.map { "\($0)" } ?? "clean")), expected \(ticks.count * (context.runs + 1))"
            )
        }
        let v2Bytes = v2Chunks.reduce(0) { $0 + $1.count }
        let n = Double(ticks.count)
        return [
            Figure(
                stage: name, name: "encode ticks/s (format 2, in memory)", value: n / v2Samples.median, unit: "ticks/s",
                spreadPercent: v2Samples.spreadPercent, target: .atLeast(2_000_000),
                note: "\(formatNumber(Double(v2Bytes) / n)) B/tick of records"),
            Figure(
                stage: name, name: "encode ticks/s (format 1, in memory)", value: n / v1Samples.median, unit: "ticks/s",
                spreadPercent: v1Samples.spreadPercent,
                note: "\(formatNumber(Double(v1Bytes) / n)) B/tick of records; the format before issue 14"),
            Figure(
                stage: name, name: "decode ticks/s (format 2, in memory)", value: n / decodeSamples.median,
                unit: "ticks/s",
                spreadPercent: decodeSamples.spreadPercent),
        ]
    }
}

/// `measure` for work that can fail; `body` gets the run number.
func measureThrowing(warmups: Int, runs: Int, _ body: (Int) throws -> Int) throws -> (Samples, Int) {
    var failure: Error?
    var run = 0
    let result = measure(warmups: warmups, runs: runs) {
        defer { run += 1 }
        guard failure == nil else { return 0 }
        do { return try body(run) } catch {
            failure = error
            return 0
        }
    }
    if let failure { throw failure }
    return result
}

/// A seeded tick stream: `assets` simulated assets, each quoting about `ticksPerSecondPerAsset`
/// times a second (exponential gaps, millisecond times), prices from `SimulatedMarket`.
struct BenchTicks {
    let assets = AssetDirectory()
    private(set) var ticks: [Tick] = []
    var count: Int { ticks.count }

    init(count: Int, assets n: Int, ticksPerSecondPerAsset rate: Double, seed: UInt64) {
        var market = SimulatedMarket(assetCount: n, seed: seed)
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        let ids = market.assets.map { assets.register($0.name) }
        var ms = 1_756_866_774_962.0
        let meanGapMs = 1000 / (rate * Double(n))
        ticks.reserveCapacity(count)
        for _ in 0..<count {
            let u = max(rng.unit(), 1e-9)
            ms += (-meanGapMs * _log(u)).rounded()
            let a = market.randomAsset()
            ticks.append(Tick(asset: ids[a], time: ms / 1000, price: market.step(a)))
        }
    }
}

#if canImport(Glibc)
import Glibc
private func _log(_ x: Double) -> Double { Glibc.log(x) }
#endif
