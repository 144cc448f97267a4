import Foundation
import Testing

@testable import Archive

/// A tick chunk whose every record is absurd (the fuzz `export` target's find, CI of session 10):
/// the exporter must still write or skip every record – rows + skipped = records.
@Suite("Archive chunks of absurd records only")
struct ArchiveAllAbsurdChunkTests {
    /// All-ones bit patterns: a NaN time and price, repeated.
    static let nanTicks = Array(
        repeating: TickRecord(time: Double(bitPattern: .max), price: Double(bitPattern: .max)), count: 4)

    /// Test: format 2 gives back every record of a chunk of repeated NaN ticks.
    @Test("format 2 decodes every record of a chunk of repeated all-ones NaN ticks")
    func decodesEveryRecord() throws {
        var encoder = TickEncoder()
        let out = ByteBuffer(capacity: 1 << 10)
        for t in Self.nanTicks { encoder.encode(time: t.time, price: t.price, into: out) }
        encoder.finish(into: out)
        var got: [TickRecord] = []
        let end = try RecordDecoder.bitTicks(out.bytes, from: 0) { got.append($0) }
        #expect(end == .clean)
        #expect(got.count == Self.nanTicks.count)
        #expect(got.allSatisfy { $0.time.bitPattern == UInt64.max && $0.price.bitPattern == UInt64.max })
    }

    /// Test: the exporter counts every record of a chunk of absurd ticks as skipped, in CSV and
    /// in JSON lines, and exports a chunk of sane ticks around them.
    @Test("the exporter skips and counts every record of an all-absurd tick chunk")
    func exporterCountsEveryRecord() throws {
        let temp = TempDir()
        let asset = "FUZZ_otc"
        let folder = temp.path + "/" + ChunkNaming.folder(asset: asset, kind: .ticks, timeframeSeconds: 0)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = ChunkNaming.fileName(
            asset: asset, kind: .ticks, timeframeSeconds: 0, time: 1_756_866_000, sequence: 1)
        let staged = ByteBuffer(capacity: 1 << 12)
        staged.append(ChunkHeader(kind: .ticks, asset: asset, timeframeSeconds: 0, recordLimit: 4_096).bytes)
        var encoder = TickEncoder()
        for t in Self.nanTicks { encoder.encode(time: t.time, price: t.price, into: staged) }
        encoder.finish(into: staged)
        let file = try LZ4ChunkFile(
            openPath: folder + "/" + name + ".open", finalPath: folder + "/" + name,
            scratch: ByteBuffer(capacity: 1 << 14))
        file.durable = false
        try file.write(staged)
        try file.close()
        for format in ExportOptions.Format.allCases {
            let summary = try ArchiveExporter(
                directory: temp.path, options: ExportOptions(kind: .ticks, format: format), sink: { _ in true }
            ).run()
            #expect(summary.rows == 0 && summary.skippedAbsurd == Self.nanTicks.count, "\(format): \(summary)")
        }
    }
}
