import FastDecode
import Foundation
import Logging
import Testing

@testable import Archive
@testable import Engine

/// Two writers on one data directory once replaced each other's closed chunks and both exited 0.
@Suite("One writer per data directory")
struct DataDirectoryLockTests {
    @Test("a second writer on the same directory is refused with a clear error naming the holder")
    func secondWriterRefused() throws {
        let dir = TempDir()
        let first = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir.path), assets: AssetDirectory(),
            logger: Logger(label: "test.lock"))
        #expect(throws: ArchiveError.self) {
            _ = try ArchiveWriter(
                configuration: ArchiveConfiguration(directory: dir.path), assets: AssetDirectory(),
                logger: Logger(label: "test.lock"))
        }
        do {
            _ = try ArchiveWriter(
                configuration: ArchiveConfiguration(directory: dir.path), assets: AssetDirectory(),
                logger: Logger(label: "test.lock"))
        } catch {
            #expect(error.code == .locked)
            #expect(error.description.contains("pid \(getpid())"))
            #expect(error.description.contains("in use by another qflux writer"))
        }
        try first.close()
        // Closed: the directory is free again.
        let second = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir.path), assets: AssetDirectory(),
            logger: Logger(label: "test.lock"))
        try second.close()
    }

    @Test("a pipeline collecting into a locked directory fails to start")
    func pipelineRefused() throws {
        let dir = TempDir()
        var config = PipelineConfiguration()
        config.archive = ArchiveConfiguration(directory: dir.path, collect: .both)
        let first = try MarketPipeline(configuration: config, logger: Logger(label: "test.lock"))
        #expect(throws: ArchiveError.self) {
            _ = try MarketPipeline(configuration: config, logger: Logger(label: "test.lock"))
        }
        _ = try first.finish()
    }

    @Test("readers ignore the lock file")
    func readersIgnoreLock() throws {
        let dir = TempDir()
        let writer = try ArchiveWriter(
            configuration: ArchiveConfiguration(directory: dir.path, collect: .tick),
            assets: AssetDirectory(), logger: Logger(label: "test.lock"))
        try writer.append(Tick(asset: AssetID(rawValue: 0), time: 1_756_866_774.962, price: 1.1))
        try writer.close()
        #expect(FileManager.default.fileExists(atPath: dir.path + "/" + DataDirectoryLock.fileName))
        #expect(try ArchiveIndex.chunkPaths(in: dir.path).count == 1)
    }
}
