import Candles
import FastDecode
import Foundation
import Testing

@testable import Archive

/// Symbolic links inside a data directory are never followed by any reader (issue 28, defect
/// 11): before, a chunk linked into a listed series folder was served by the CSV API and read
/// by `run_backtest`, from outside `--data-dir`.
@Suite("Archive links")
struct ArchiveLinkTests {
    @Test("a chunk or folder linked into a series folder is skipped by chunkPaths, the CSV API and exports")
    func linkedChunksSkipped() throws {
        let root = TempDir()
        let data = root.path + "/data", outside = root.path + "/outside"
        for (dir, price) in [(data, 1.1), (outside, 9.9)] {
            let assets = AssetDirectory()
            let id = assets.register("EURUSD_otc")
            let writer = try ArchiveWriter(
                configuration: .init(directory: dir, tickChunkSize: 5), assets: assets,
                logger: ArchiveTestData.logger)
            let base = dir == data ? 1_756_866_000.0 : 1_756_900_000.0
            for k in 0..<10 { try writer.append(Tick(asset: id, time: base + Double(k), price: price)) }
            try writer.close()
        }
        let inside = try ArchiveIndex.chunkPaths(in: data)
        let series = (inside[0] as NSString).deletingLastPathComponent
        let foreign = try ArchiveIndex.chunkPaths(in: outside)
        // a file link and a folder link, both named like chunks / series
        try FileManager.default.createSymbolicLink(
            atPath: series + "/" + (foreign[0] as NSString).lastPathComponent,
            withDestinationPath: foreign[0])
        try FileManager.default.createSymbolicLink(
            atPath: series + "/nested", withDestinationPath: (foreign[0] as NSString).deletingLastPathComponent)
        #expect(try ArchiveIndex.chunkPaths(in: data) == inside)

        // the CSV API's stream of the series: the archive's ten ticks only
        let catalog = ArchiveCatalog(directory: data)
        let entry = try #require(
            catalog.entries(timeframe: nil).first { $0.asset == "EURUSD_otc" && $0.timeframe == "tick" },
            "\(catalog.entries(timeframe: nil))")
        let csv = String(decoding: try ArchiveCatalogTests.drain(try catalog.open(entry)), as: UTF8.self)
        let rows = csv.split(separator: "\n").dropFirst()
        #expect(rows.count == 10, "\(csv)")
        #expect(!csv.contains("9.9"), "\(csv)")
    }
}
