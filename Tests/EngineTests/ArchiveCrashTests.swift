import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Candles
@testable import ChromeCDP
@testable import Demo
@testable import Engine
@testable import Ring
@testable import SocketIOServer

@Suite("Archive crash safety and damage")
struct ArchiveCrashTests {
    /// One closed tick chunk of `count` ticks flushed every `every` ticks (many blocks).
    static func oneChunk(_ dir: TempDir, count: Int, every: Int) throws -> (String, [Tick]) {
        let assets = AssetDirectory()
        let id = assets.register("EURUSD_otc")
        let ticks = ArchiveTestData.randomWalk(assets: [id], count: count, seed: 21)
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, tickChunkSize: count + 1),
            assets: assets, logger: ArchiveTestData.logger)
        for (i, t) in ticks.enumerated() {
            try writer.append(t)
            if i % every == 0 { try writer.flush() }
        }
        try writer.close()
        return (try #require(dir.chunks().first), ticks)
    }

    @Test("a chunk cut at any offset yields a prefix of its records and says truncated")
    func truncatedChunk() throws {
        let dir = TempDir()
        let (path, ticks) = try Self.oneChunk(dir, count: 3_000, every: 100)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try ArchiveReader()
        var previous = 0
        let cuts = [
            0, 3, 7, 12, 30, 200, data.count / 3, data.count / 2, data.count - 40, data.count - 13, data.count - 9,
            data.count - 4, data.count - 1,
        ]
        for cut in cuts {
            let cutPath = dir.path + "/cut.qfa.lz4.open"
            try data.prefix(cut).write(to: URL(fileURLWithPath: cutPath))
            let chunk = try reader.read(cutPath)
            #expect(chunk.summary.condition == .truncated, "cut at \(cut)")
            #expect(chunk.summary.isOpen)
            #expect(chunk.ticks.count >= previous && chunk.ticks.count <= ticks.count, "cut at \(cut)")
            // a cut inside the frame's end mark / content checksum loses no record
            if cut >= data.count - 8 { #expect(chunk.ticks.count == ticks.count, "cut at \(cut)") }
            if cut < data.count - 12 { #expect(chunk.ticks.count < ticks.count, "cut at \(cut)") }
            previous = chunk.ticks.count
            for (a, b) in zip(ticks, chunk.ticks) {
                #expect(a.time == b.time && a.price == b.price)
            }
        }
        #expect(previous >= 2_900)  // the last cuts lose at most the unflushed tail
    }

    @Test(
        "live rate: each flush grows the last block in place; the .open file always reads to the last flush; ≤ 2.5 bytes per tick",
        .enabled(if: Dependency.lz4, Dependency.needsLZ4))
    func liveRateBlocksGrowInPlace() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let ids = (0..<3).map { assets.register("LIVE\($0)_otc") }
        let ticks = ArchiveTestData.randomWalk(assets: ids, count: 3 * 2 * 900, seed: 31)  // ~2 ticks/s per asset
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick, tickChunkSize: 1_000_000),
            assets: assets, logger: ArchiveTestData.logger)
        let reader = try ArchiveReader()
        var flushedCount = 0
        for (i, t) in ticks.enumerated() {
            try writer.append(t)
            if i % 6 == 5 {  // one simulated second: 2 ticks per asset
                try writer.flushIfDue(now: Double(i / 6))  // simulated clock: one second per round
                flushedCount = i + 1
            }
            if i % 600 == 599 {
                // What a kill -9 now would leave: every open file holds every flushed tick.
                var read = 0
                for path in dir.chunks(openOnly: true) {
                    let chunk = try reader.read(path)
                    #expect(chunk.summary.condition == .truncated)
                    read += chunk.ticks.count
                }
                #expect(read == flushedCount)
            }
        }
        let before = writer.statistics.bytesWritten
        try writer.close()
        let perTick = Double(before) / Double(ticks.count)
        print("archive live rate: \(ticks.count) ticks, \(before) bytes, \(perTick) bytes per tick")
        #expect(perTick <= 2.5, "\(perTick) bytes per tick at live rate")  // issue 14's target (format 1: ~3.1)
        for path in dir.chunks() {
            let (status, output) = try ArchiveTestData.run(Dependency.lz4Binary, ["-t", path])
            #expect(status == 0, "\(output)")
            #expect(try reader.read(path).ticks.count == ticks.count / 3)
        }
    }

    @Test("xxHash32 known values (the LZ4 frame checksums)")
    func xxh32() {
        func h(_ s: String) -> UInt32 {
            Array(s.utf8).withUnsafeBytes { XXH32.hash($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count) }
        }
        #expect(h("") == 0x02CC_5D05)
        #expect(h("abc") == 0x32D1_53FF)
        #expect(h("Nobody inspects the spammish repetition") == 0xE229_3B2F)
        // streaming in odd pieces equals one shot
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        bytes.withUnsafeBytes { raw in
            var s = XXH32()
            var i = 0
            for step in [1, 3, 15, 16, 17, 100, 5] where i < raw.count {
                let n = min(step, raw.count - i)
                s.update(raw.baseAddress! + i, n)
                i += n
            }
            s.update(raw.baseAddress! + i, raw.count - i)
            #expect(s.digest() == XXH32.hash(raw.baseAddress!, raw.count))
        }
    }

    @Test("a flipped byte is reported as damage by the reader and by verify")
    func corruptedByte() throws {
        let dir = TempDir()
        let (path, ticks) = try Self.oneChunk(dir, count: 6_000, every: 50)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.count > 2 * 4096)  // several blocks (one per 4 KB page)
        data[data.count - 100] ^= 0x10  // in the last block (damage in the first one hides the header)
        try data.write(to: URL(fileURLWithPath: path))
        let reader = try ArchiveReader()
        let chunk = try reader.read(path)
        guard case .damaged = chunk.summary.condition else {
            Issue.record("expected damage, got \(chunk.summary.condition)")
            return
        }
        #expect(chunk.ticks.count < ticks.count)
        let report = try ArchiveVerifier.verify(directory: dir.path)
        #expect(report.damaged.count == 1)
        #expect(report.damaged.first?.path == path)
        // the frame descriptor itself
        data[5] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        #expect(try ArchiveVerifier.verify(directory: dir.path).damaged.count == 1)
    }

    @Test(
        "an orphaned .open chunk after a crash is kept, read as truncated, and never reused",
        .enabled(if: Dependency.lz4, Dependency.needsLZ4))
    func orphanAfterCrash() throws {
        let live = TempDir(), crashed = TempDir()
        let assets = AssetDirectory()
        let id = assets.register("EURUSD_otc")
        let ticks = ArchiveTestData.randomWalk(assets: [id], count: 600, seed: 8)
        let writer = try ArchiveWriter(
            configuration: .init(directory: live.path), assets: assets, logger: ArchiveTestData.logger)
        for t in ticks.prefix(250) { try writer.append(t) }
        try writer.flushIfDue(now: 10)
        for t in ticks[250..<260] { try writer.append(t) }  // not flushed: lost in the crash
        // What the disk holds after kill -9 now: the .open file as written so far.
        let open = try #require(live.chunks(openOnly: true).first)
        let relative = String(open.dropFirst(live.path.count))
        try FileManager.default.createDirectory(
            atPath: crashed.path + (relative as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: open, toPath: crashed.path + relative)
        try writer.close()
        let orphan = crashed.path + relative
        let before = try Data(contentsOf: URL(fileURLWithPath: orphan))

        let (lz4Status, lz4Output) = try ArchiveTestData.run(
            Dependency.lz4Binary, ["-d", "-f", orphan, crashed.path + "/orphan.bin"])
        #expect(lz4Status != 0 && lz4Output.contains("68"), "\(lz4Output)")

        // Restart: same first tick time, so the same name would be chosen.
        let restarted = try ArchiveWriter(
            configuration: .init(directory: crashed.path), assets: assets, logger: ArchiveTestData.logger)
        for t in ticks { try restarted.append(t) }
        try restarted.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: orphan)) == before)
        let chunks = crashed.chunks()
        #expect(chunks.count == 2)
        let reader = try ArchiveReader()
        let old = try reader.read(orphan)
        #expect(old.summary.condition == .truncated && old.summary.isOpen)
        #expect(old.ticks.count == 250)
        let new = try reader.read(try #require(chunks.first { $0 != orphan }))
        #expect(new.summary.condition == .complete && new.ticks.count == 600)
        #expect(new.summary.path.hasSuffix("_000002.qfa.lz4"))
        let report = try ArchiveVerifier.verify(directory: crashed.path)
        #expect(report.damaged.isEmpty && report.truncatedOpen.count == 1)
    }

    @Test("disk errors throw a clear ArchiveError, are counted, and streaming recovers")
    func diskErrors() throws {
        let dir = TempDir()
        let assets = AssetDirectory()
        let id = assets.register("EURUSD_otc")
        let file = dir.path + "/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        do {
            _ = try ArchiveWriter(
                configuration: .init(directory: file + "/data"), assets: assets, logger: ArchiveTestData.logger)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .createDirectory && error.errno == ENOTDIR)
            #expect(error.description.contains("Not a directory"))
        }

        let data = dir.path + "/data"
        let writer = try ArchiveWriter(
            configuration: .init(directory: data, tickChunkSize: 100),
            assets: assets, logger: ArchiveTestData.logger)
        let ticks = ArchiveTestData.randomWalk(assets: [id], count: 400, seed: 4)
        for t in ticks.prefix(50) { try writer.append(t) }
        try writer.flushIfDue(now: 1)
        try FileManager.default.removeItem(atPath: data)  // the data directory disappears
        var thrown: [ArchiveError] = []
        for t in ticks[50..<150] {
            do { try writer.append(t) } catch { thrown.append(error) }
        }
        #expect(thrown.count == 1)
        #expect(thrown.first?.code == .rename && thrown.first?.errno == ENOENT)
        #expect(writer.statistics.errors == 1 && writer.statistics.droppedRecords > 0)
        try writer.flushIfDue(now: 3)  // the suspension ends
        for t in ticks[150...] { try writer.append(t) }
        try writer.close()
        #expect(writer.statistics.errors == 1)
        let total = try dir.chunks().reduce(0) { $0 + (try ArchiveReader().read($1).ticks.count) }
        #expect(total == 250)
    }
}
