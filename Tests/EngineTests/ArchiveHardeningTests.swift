import CLZ4
import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import Engine

/// Issue 15 defect 7 (archive readers trust what they open) and the 0-byte chunk of defect 9:
/// each case here hung, exhausted memory, aborted or stayed silent before the fix.
@Suite("Archive readers and hostile files")
struct ArchiveHardeningTests {
    /// A chunk path inside `dir` for asset `name` (the folder is created).
    static func chunkPath(_ dir: TempDir, _ name: String = "EVIL_otc", sequence: Int = 1, open: Bool = false) -> String
    {
        let folder = dir.path + "/\(name)/ticks"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/\(name)_ticks_20250903T003350Z_\(String(format: "%06d", sequence))"
            + (open ? ChunkNaming.openSuffix : ChunkNaming.closedSuffix)
    }

    /// Runs `body` on its own thread; false when it did not finish within `seconds` (`unblock`
    /// is then called so the thread can end).
    static func finishes(within seconds: Double, unblock: () -> Void = {}, _ body: @escaping @Sendable () -> Void)
        -> Bool
    {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            body()
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .success { return true }
        unblock()
        _ = done.wait(timeout: .now() + 10)
        return false
    }

    /// Exports every tick of `dir` as CSV: summary and output size.
    static func export(_ dir: String) throws -> (ExportSummary, Int) {
        var bytes = 0
        let summary = try ArchiveExporter(
            directory: dir, options: ExportOptions(kind: .ticks),
            sink: {
                bytes += $0.count; return true
            }
        ).run()
        return (summary, bytes)
    }

    /// One good tick chunk so that the directory is an archive.
    static func goodChunk(_ dir: TempDir) throws {
        let assets = AssetDirectory()
        let id = assets.register("GOOD_otc")
        let writer = try ArchiveWriter(
            configuration: .init(directory: dir.path, collect: .tick), assets: assets, logger: ArchiveTestData.logger)
        for t in ArchiveTestData.randomWalk(assets: [id], count: 50, seed: 3) { try writer.append(t) }
        try writer.close()
    }

    /// Bounded by ``finishes(within:unblock:_:)`` (5 s, then the FIFO is opened to free a blocked
    /// reader), not by `.timeLimit`, whose clock starts when the test is started: the whole suite
    /// is started at once, so a body can wait minutes for a thread (CI's ASan run: 277 s).
    @Test("a FIFO named as a chunk is refused at once by verify, ls (the index) and export – never waited on")
    func fifo() throws {
        let dir = TempDir()
        try Self.goodChunk(dir)
        let path = Self.chunkPath(dir)
        #expect(mkfifo(path, 0o600) == 0)
        // If a reader blocks in open(2), opening the FIFO for writing (and closing it) frees it.
        let unblock = {
            let fd = open(path, O_RDWR | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let directory = dir.path
        let results = ResultBox()
        let ok = Self.finishes(within: 5, unblock: unblock) {
            results.verify = try? ArchiveVerifier.verify(directory: directory)
            results.index = try? ArchiveIndex.scan(directory: directory)
            results.export = try? Self.export(directory)
        }
        #expect(ok, "reading an archive with a FIFO in it blocked")
        let verify = try #require(results.verify)
        #expect(verify.damaged.map(\.path) == [path])
        #expect(verify.damaged.first?.reason.contains("FIFO") == true, "\(verify.damaged)")
        let index = try #require(results.index)
        #expect(index.unreadable.map(\.path) == [path])
        #expect(index.unreadable.first?.error.description.contains("not a regular file") == true)
        let (summary, _) = try #require(results.export)
        #expect(summary.damaged == [path])
        #expect(summary.rows == 50)
    }

    @Test(
        "a symlink to /dev/zero named as a chunk is refused; a symlink to a regular chunk is read when named, skipped in a directory"
    )
    func symlinkToDevice() throws {
        let dir = TempDir()
        try Self.goodChunk(dir)
        let path = Self.chunkPath(dir)
        #expect(symlink("/dev/zero", path) == 0)
        let good = try #require(dir.chunks().first { $0.contains("GOOD_otc") })
        let alias = Self.chunkPath(dir, "ALIAS_otc")
        #expect(symlink(good, alias) == 0)
        let reader = try ArchiveReader()
        do {
            _ = try reader.read(path)
            Issue.record("/dev/zero was read as a chunk")
        } catch {
            #expect(error.code == .notAnArchive && error.description.contains("character device"), "\(error)")
        }
        #expect(try reader.read(alias).ticks.count == 50)
        let directory = dir.path
        let results = ResultBox()
        let ok = Self.finishes(within: 10) {
            results.verify = try? ArchiveVerifier.verify(directory: directory)
            results.export = try? Self.export(directory)
        }
        #expect(ok)
        // a directory's links are never followed (issue 28, defect 11): neither link is read there
        #expect(results.verify?.damaged.map(\.path) == [])
        #expect(results.verify?.chunks == 1)
        #expect(results.export?.0.damaged == [])
        #expect(results.export?.0.rows == 50)
    }

    @Test("a sparse 2 GB file named as a chunk costs no memory: the magic is checked first")
    func sparseFile() throws {
        let dir = TempDir()
        try Self.goodChunk(dir)
        let size: off_t = 2 << 30
        // all zeros (no LZ4 magic), and a real chunk followed by 2 GB of holes
        let zeros = Self.chunkPath(dir, "ZEROS_otc")
        _ = FileManager.default.createFile(atPath: zeros, contents: nil)
        #expect(truncate(zeros, size) == 0)
        let good = try #require(dir.chunks().first { $0.contains("GOOD_otc") })
        let padded = Self.chunkPath(dir, "PADDED_otc")
        try FileManager.default.copyItem(atPath: good, toPath: padded)
        #expect(truncate(padded, size) == 0)
        let before = Self.peakRSS()
        let reader = try ArchiveReader()
        let start = Date()
        do {
            _ = try reader.read(zeros)
            Issue.record("a file of zeros was read as a chunk")
        } catch {
            #expect(error.code == .notAnArchive, "\(error)")
        }
        let chunk = try reader.read(padded)
        #expect(chunk.ticks.count == 50)
        if case let .damaged(why) = chunk.summary.condition {
            #expect(why.contains("after the end of the frame"))
        } else {
            Issue.record("expected damage, got \(chunk.summary.condition)")
        }
        let verify = try ArchiveVerifier.verify(directory: dir.path)
        #expect(Set(verify.damaged.map(\.path)) == [zeros, padded])
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(Self.peakRSS() - before < 64 << 20, "peak RSS grew by \((Self.peakRSS() - before) >> 20) MB")
    }

    @Test("an LZ4 bomb stops at its header's bound: few records, little memory, a small export")
    func lz4Bomb() throws {
        let dir = TempDir()
        // Format 2: a header allowing 1000 records, then 1 GB of zeros, compressed to ~4 MB.
        var header = ChunkHeader(kind: .ticks, asset: "BOMB_otc", timeframeSeconds: 0, recordLimit: 1000)
        let bomb2 = Self.chunkPath(dir, "BOMB_otc")
        let bytes2 = try Self.writeBomb(bomb2, header: header.bytes + [0x80], zeros: 1 << 30)  // one record, then zeros
        #expect(bytes2 < 6 << 20)
        // Format 1 (no record limit in the header): the format's limit, 2^20 records.
        header.version = 1
        header.encoding = ChunkHeader.scaledDeltaEncoding
        let bomb1 = Self.chunkPath(dir, "BOMB1_otc")
        _ = try Self.writeBomb(bomb1, header: header.bytes, zeros: 1 << 30)
        let before = Self.peakRSS()
        let start = Date()
        let reader = try ArchiveReader()
        let chunk2 = try reader.read(bomb2)
        #expect(chunk2.ticks.count <= 1000)
        #expect(chunk2.summary.decodedBytes <= 64 << 10)
        guard case .damaged = chunk2.summary.condition else {
            Issue.record("expected damage, got \(chunk2.summary.condition)")
            return
        }
        let chunk1 = try reader.read(bomb1)
        #expect(chunk1.ticks.count <= ChunkHeader.maxRecords)
        #expect(chunk1.summary.decodedBytes <= ChunkHeader.maxRecords * 42 + 100)
        guard case .damaged = chunk1.summary.condition else {
            Issue.record("expected damage, got \(chunk1.summary.condition)")
            return
        }
        let (summary, exported) = try Self.export(dir.path)
        #expect(Set(summary.damaged) == [bomb1, bomb2])
        #expect(summary.rows <= ChunkHeader.maxRecords + 1000)
        #expect(exported < 128 << 20, "\(exported) bytes exported")
        #expect(Date().timeIntervalSince(start) < 30)
        // Under AddressSanitizer freed memory sits in its quarantine (256 MB by default) before it
        // is reused, so the process's peak grows by up to that much more.
        let allowance = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil ? 256 << 20 : 512 << 20
        #expect(Self.peakRSS() - before < allowance, "peak RSS grew by \((Self.peakRSS() - before) >> 20) MB")
        // The stock lz4 reads the bomb as a valid frame: it is the qflux reader that bounds it.
        if let lz4 = ["/usr/bin/lz4", "/usr/local/bin/lz4"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) {
            #expect(try ArchiveTestData.run(lz4, ["-t", bomb2]).0 == 0)
        }
    }

    @Test("a 0-byte closed chunk is reported as damaged by export and verify, and listed by the index")
    func emptyClosedChunk() throws {
        let dir = TempDir()
        try Self.goodChunk(dir)
        let empty = Self.chunkPath(dir, "GOOD_otc", sequence: 2)
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let (summary, _) = try Self.export(dir.path)
        #expect(summary.damaged == [empty])
        #expect(summary.rows == 50)
        let verify = try ArchiveVerifier.verify(directory: dir.path)
        #expect(verify.damaged.map(\.path) == [empty])
        #expect(verify.damaged.first?.reason.contains("empty") == true, "\(verify.damaged)")
        let index = try ArchiveIndex.scan(directory: dir.path)
        #expect(index.unreadable.map(\.path) == [empty])
        // A 0-byte .open chunk (created, crashed before its first block) is a note, not damage.
        try FileManager.default.removeItem(atPath: empty)
        _ = FileManager.default.createFile(
            atPath: Self.chunkPath(dir, "GOOD_otc", sequence: 3, open: true), contents: Data())
        let again = try ArchiveVerifier.verify(directory: dir.path)
        #expect(again.damaged.isEmpty && again.truncatedOpen.count == 1)
    }

    @Test("a chunk with more records than its header allows is damaged, read up to the limit")
    func recordLimit() throws {
        let dir = TempDir()
        var encoder = TickEncoder()
        let out = ByteBuffer(capacity: 1 << 12)
        out.append(ChunkHeader(kind: .ticks, asset: "LIMIT_otc", timeframeSeconds: 0, recordLimit: 10).bytes)
        for i in 0..<20 { encoder.encode(time: 1_756_866_774.962 + Double(i) / 2, price: 1.08342, into: out) }
        encoder.finish(into: out)
        let path = Self.chunkPath(dir, "LIMIT_otc")
        try Self.writeFrame(path, out.bytes)
        let chunk = try ArchiveReader().read(path)
        #expect(chunk.ticks.count == 10)
        #expect(chunk.summary.condition == .damaged("more records than its header allows (10)"))
    }

    // MARK: - Helpers

    final class ResultBox: @unchecked Sendable {
        var verify: ArchiveVerifier.Report?
        var index: ArchiveIndex?
        var export: (ExportSummary, Int)?
    }

    /// Peak resident set size of this process, bytes.
    static func peakRSS() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }

    /// A valid LZ4 frame (checksums on, 4 MB blocks) of `header` followed by `zeros` zero bytes,
    /// compressed in a stream (the zeros never sit in memory). Returns the file size.
    static func writeBomb(_ path: String, header: [UInt8], zeros: Int) throws -> Int {
        var ctx: OpaquePointer?
        #expect(qf_lz4f_is_error(LZ4F_createCompressionContext(&ctx, qf_lz4f_version())) == 0)
        defer { LZ4F_freeCompressionContext(ctx) }
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max4MB
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        let piece = [UInt8](repeating: 0, count: 1 << 22)
        let capacity = LZ4F_compressBound(piece.count, &prefs) + 64
        var buffer = [UInt8](repeating: 0, count: capacity)
        var file = Data()
        func take(_ n: Int) {
            #expect(qf_lz4f_is_error(n) == 0)
            file.append(contentsOf: buffer[0..<n])
        }
        take(LZ4F_compressBegin(ctx, &buffer, capacity, &prefs))
        take(LZ4F_compressUpdate(ctx, &buffer, capacity, header, header.count, nil))
        var left = zeros
        while left > 0 {
            let n = min(left, piece.count)
            take(LZ4F_compressUpdate(ctx, &buffer, capacity, piece, n, nil))
            left -= n
        }
        take(LZ4F_compressEnd(ctx, &buffer, capacity, nil))
        try file.write(to: URL(fileURLWithPath: path))
        return file.count
    }

    /// A valid LZ4 frame holding `bytes`.
    static func writeFrame(_ path: String, _ bytes: UnsafeRawBufferPointer) throws {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        let bound = LZ4F_compressFrameBound(bytes.count, &prefs)
        var out = [UInt8](repeating: 0, count: bound)
        let n = LZ4F_compressFrame(&out, bound, bytes.baseAddress, bytes.count, &prefs)
        #expect(qf_lz4f_is_error(n) == 0)
        try Data(out[0..<n]).write(to: URL(fileURLWithPath: path))
    }
}
