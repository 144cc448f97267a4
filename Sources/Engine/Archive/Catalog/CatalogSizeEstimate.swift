import FastDecode
import TextWriters

/// The `size` of an archived series: an **estimate** of the bytes its CSV takes, so a listing
/// reads a few chunks per series instead of every chunk.
///
/// Up to ``samples`` closed chunks spread evenly over the series (all of them when it has fewer;
/// the `.open` one only when there is nothing else) are decoded and their rows formatted exactly
/// as the CSV API writes them; the estimate is the header plus those bytes scaled by the series'
/// chunk bytes over the samples': `header + sampleCSV × total / sampleBytes`. Chunks of a series
/// compress alike, so on the archives the tests write it lands within 15 % of the bytes served
/// (measured in `ArchiveCatalogTests`); revised candles (exported once) make it larger than the
/// CSV, and the `.open` chunk grows after the listing.
package enum CatalogSizeEstimate {
    /// Chunks decoded per series at most.
    package static let samples = 4

    /// The estimate for a series whose chunk files take `totalBytes`, from `samples` (some of its
    /// chunks with their bytes on disk); nil when no sample can be read or they hold nothing.
    package static func estimate(
        asset: String, kind: ArchiveKind, samples: [(path: String, bytes: Int)], totalBytes: Int
    ) -> Int? {
        guard let reader = try? ArchiveReader() else { return nil }
        var rows = 0, bytes = 0
        for sample in samples where sample.bytes > 0 {
            guard let r = rowBytes(asset: asset, reader: reader, path: sample.path) else { continue }
            rows += r
            bytes += sample.bytes
        }
        guard rows > 0, bytes > 0 else { return nil }
        return header(kind: kind).utf8.count + Int((Double(rows) * Double(totalBytes) / Double(bytes)).rounded())
    }

    /// Up to ``samples`` items spread evenly over `chunks` (closed ones; the others only when
    /// there are no closed ones).
    package static func pick<T>(_ chunks: [T], isOpen: (T) -> Bool) -> [T] {
        let closed = chunks.filter { !isOpen($0) }
        let pool = closed.isEmpty ? chunks : closed
        guard pool.count > samples else { return pool }
        return (0..<samples).map { pool[$0 * (pool.count - 1) / (samples - 1)] }
    }

    /// The CSV header line of a kind (one asset per file).
    package static func header(kind: ArchiveKind) -> String {
        kind == .ticks ? "timestamp,asset,price\n" : "timestamp,open,close,high,low\n"
    }

    /// Bytes of the CSV rows of one chunk, formatted as the export writes them.
    private static func rowBytes(asset: String, reader: ArchiveReader, path: String) -> Int? {
        let nameBytes = csvFieldLength(asset)
        var stamps = UTCTimestampWriter()
        var numbers = DecimalWriter()
        var total = 0
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        defer { scratch.deallocate() }
        func measure(_ body: (inout UnsafeMutablePointer<UInt8>) -> Void) -> Int {
            var p = scratch
            body(&p)
            return p - scratch
        }
        do {
            _ = try reader.scan(
                path,
                ticks: { t in
                    total +=
                        measure { stamps.write(t.time, at: &$0) } + 1 + nameBytes + 1
                        + measure { numbers.write(t.price, at: &$0) } + 1
                },
                candles: { c in
                    total += measure { stamps.write(Double(c.start), at: &$0) } + 1
                    for v in [c.open, c.close, c.high, c.low] { total += measure { numbers.write(v, at: &$0) } + 1 }
                })
        } catch {
            return nil
        }
        return total
    }

    /// Length of `text` as a CSV field (quoted when it holds a comma, quote or line break).
    private static func csvFieldLength(_ text: String) -> Int {
        let b = Array(text.utf8)
        guard b.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
        else { return b.count }
        return b.count + 2 + b.filter { $0 == UInt8(ascii: "\"") }.count
    }
}
