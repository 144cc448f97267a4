// libFuzzer target for the views of an archive fed absurd values (issue 28): the exporter
// (Sources/Engine/Archive/Export), the analysis candle loader (Engine/Analysis) and the
// indicators over what it loads, built with `swiftc -sanitize=fuzzer,address` straight from the
// source files (see scripts/fuzz.sh).
// The input describes records, not bytes on disk: a valid chunk holding them is written (below
// the archive writer's entry checks, as a corrupted or poisoned archive would hold them), so the
// record values – not the LZ4 framing the `archive` target covers – are what varies.
//   byte 0     bit 0: tick chunk (1) or 1m candle chunk (0)
//   then per record (candle: open, close, high, low, start, ticks; tick: time, price), per
//   field, a selector byte:
//     0x00–0x7F  a plausible value: the series' next time / a price near 1.08 (the byte is the step)
//     0x80–0xBF  an absurd value from a table (±1e308, NaN, ±inf, 0, -1, Int64.min/max, 1e19…)
//     0xC0–0xFF  the next 8 bytes as the raw bit pattern
// Then, over a scratch data directory on tmpfs: ticks exported as CSV and JSON lines, candles
// exported stored (1m), resampled (5m) or formed from ticks (1m), and the analysis loader's
// candles with indicators over them.
// Invariants: nothing traps; a tick export writes or skips every record (rows + skipped =
// records); every candle the loader returns is plausible (MarketLimits); the indicator table has
// one row per candle.
import CLZ4
import Foundation
import Glibc

nonisolated(unsafe) private var root = ""
private let asset = "FUZZ_otc"
private let base: Int64 = 1_756_866_000
private let specs = try! IndicatorSpecParser.parse("rsi(14),willr(50),cci(20),macd,supertrend(10,3),bbands(20,2),stoch")

private let absurdDoubles: [Double] = [
    1e308, -1e308, .nan, .infinity, -.infinity, 0, -0.0, -1, 1e19, -1e19, 9.3e18,
    5e12, 4.2e9, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e13, 1e-300,
]
private let absurdStarts: [Int64] = [.min, .max, -60, 0, 9_000_000_000_000, .max - 59, .min + 1, 4_102_444_860]
private let absurdCounts: [Int] = [-1, .max, .min, 0, Int(UInt32.max) + 1]

/// Reads the input field by field.
private struct Fields {
    let data: UnsafePointer<UInt8>
    let size: Int
    var at: Int

    var atEnd: Bool { at >= size }

    mutating func byte() -> UInt8 {
        guard at < size else { return 0 }
        defer { at += 1 }
        return data[at]
    }

    mutating func raw() -> UInt64 {
        var v: UInt64 = 0
        for _ in 0..<8 { v = v << 8 | UInt64(byte()) }
        return v
    }

    mutating func double(near sane: Double, step: Double) -> Double {
        let s = byte()
        switch s {
        case 0..<0x80: return sane + Double(Int(s) - 64) * step
        case 0x80..<0xC0: return absurdDoubles[Int(s - 0x80) % absurdDoubles.count]
        default: return Double(bitPattern: raw())
        }
    }

    mutating func start(sane: Int64) -> Int64 {
        let s = byte()
        switch s {
        case 0..<0x80: return sane + Int64(s % 4) * 60
        case 0x80..<0xC0: return absurdStarts[Int(s - 0x80) % absurdStarts.count]
        default: return Int64(bitPattern: raw())
        }
    }

    mutating func count() -> Int {
        let s = byte()
        switch s {
        case 0..<0x80: return Int(s)
        case 0x80..<0xC0: return absurdCounts[Int(s - 0x80) % absurdCounts.count]
        default: return Int(truncatingIfNeeded: Int64(bitPattern: raw()))
        }
    }
}

/// Writes the records as one closed chunk; returns the number written.
private func writeChunk(ticks: Bool, _ fields: inout Fields) -> Int {
    let kind: ArchiveKind = ticks ? .ticks : .candles
    let seconds = ticks ? 0 : 60
    let folder = root + "/" + ChunkNaming.folder(asset: asset, kind: kind, timeframeSeconds: seconds)
    mkdir(root + "/" + asset, 0o700)
    mkdir(folder, 0o700)
    let name = ChunkNaming.fileName(
        asset: asset, kind: kind, timeframeSeconds: seconds, time: Double(base), sequence: 1)
    let staged = ByteBuffer(capacity: 1 << 16)
    let limit = 4_096
    staged.append(ChunkHeader(kind: kind, asset: asset, timeframeSeconds: UInt32(seconds), recordLimit: limit).bytes)
    var n = 0
    if ticks {
        var encoder = TickEncoder()
        while !fields.atEnd && n < limit {
            let time = fields.double(near: Double(base) + Double(n) * 0.5, step: 0.01)
            encoder.encode(time: time, price: fields.double(near: 1.08, step: 1e-5), into: staged)
            n += 1
        }
        encoder.finish(into: staged)
    } else {
        var encoder = CandleEncoder()
        for i in 0..<limit where !fields.atEnd {
            // Fields in this order: open, close, high, low, start, ticks.
            let open = fields.double(near: 1.08, step: 1e-5)
            let close = fields.double(near: 1.08, step: 1e-5)
            let high = fields.double(near: 1.081, step: 1e-5)
            let low = fields.double(near: 1.079, step: 1e-5)
            let start = fields.start(sane: base + Int64(i) * 60)
            let c = CandleRecord(start: start, open: open, high: high, low: low, close: close, ticks: fields.count())
            encoder.encode(c, into: staged)
            n += 1
        }
    }
    do {
        let file = try LZ4ChunkFile(
            openPath: folder + "/" + name + ".open", finalPath: folder + "/" + name,
            scratch: ByteBuffer(capacity: 1 << 17))
        file.durable = false
        try file.write(staged)
        try file.close()
    } catch {
        fatalError("cannot write the chunk: \(error)")
    }
    return n
}

/// Exports with `options`; the summary, nil when the export refused (no data and the like).
private func export(_ options: ExportOptions) -> ExportSummary? {
    try? ArchiveExporter(directory: root, options: options, sink: { _ in true }).run()
}

private func removeChunks() {
    for (kind, seconds) in [(ArchiveKind.ticks, 0), (.candles, 60)] {
        let folder = root + "/" + ChunkNaming.folder(asset: asset, kind: kind, timeframeSeconds: seconds)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            for n in names { unlink(folder + "/" + n) }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if root.isEmpty {
        root = "/dev/shm/qflux-fuzz-export-\(getpid())"
        mkdir(root, 0o700)
    }
    guard size >= 1 else { return 0 }
    let ticks = data[0] & 1 == 1
    var fields = Fields(data: data, size: size, at: 1)
    let records = writeChunk(ticks: ticks, &fields)
    defer { removeChunks() }

    if ticks {
        for format in ExportOptions.Format.allCases {
            guard let s = export(ExportOptions(kind: .ticks, format: format)) else { fatalError("tick export refused") }
            if s.rows + s.skippedAbsurd != records {
                fatalError("\(format): \(s.rows) rows + \(s.skippedAbsurd) skipped != \(records) records")
            }
        }
        _ = export(ExportOptions(kind: .candles, timeframe: .oneMinute, format: .jsonl))
    } else {
        _ = export(ExportOptions(kind: .candles, timeframe: .oneMinute, format: .csv, time: .iso))
        _ = export(ExportOptions(kind: .candles, timeframe: Timeframe(seconds: 300), format: .jsonl))
    }
    if let loaded = try? AnalysisCandleLoader.archive(root, asset: nil, timeframe: .oneMinute) {
        for c in loaded.candles {
            guard MarketLimits.isSane(time: c.timestamp), MarketLimits.isSane(price: c.open),
                MarketLimits.isSane(price: c.high),
                MarketLimits.isSane(price: c.low), MarketLimits.isSane(price: c.close)
            else {
                fatalError("the loader returned an absurd candle: \(c)")
            }
        }
        let table = IndicatorTable.compute(loaded.candles, specs: specs)
        // The exporter hands candles over in start order, each start once: one row each.
        if table.timestamps.count != loaded.candles.count {
            fatalError("\(table.timestamps.count) rows for \(loaded.candles.count) candles")
        }
        _ = table.csv()
    }
    return 0
}
