// libFuzzer target for the archive reader (Sources/Engine/Archive/Reader + Format), built with
// `swiftc -sanitize=fuzzer,address` straight from the Engine's archive source files (see
// scripts/fuzz.sh). The first byte picks the mode:
//   even  the rest is a chunk file as found on disk (LZ4 frame with checksums): written to a
//         tmpfs file and read with ArchiveReader.scan, once as `.qfa.lz4` and once as `.open`
//   odd   the rest is a decompressed chunk stream (header + records): compressed into a valid
//         LZ4 frame here, so the header parser and record decoders see arbitrary bytes behind
//         valid checksums, then read the same way
// Invariants checked: nothing traps; record counts match what the callbacks saw; a summary's
// first/last times are NaN exactly when no record was read.
import CSupport
import Glibc

nonisolated(unsafe) private var reader: ArchiveReader? = nil
nonisolated(unsafe) private var scratch: String = ""

private func check(_ path: String) {
    var n = 0
    do {
        let summary = try reader!.scan(path, ticks: { _ in n += 1 }, candles: { _ in n += 1 })
        if summary.records != n { fatalError("records \(summary.records) != callbacks \(n)") }
        if (n == 0) != summary.firstTime.isNaN { fatalError("firstTime \(summary.firstTime) with \(n) records") }
        _ = summary.condition.description
    } catch {
        _ = error.description
    }
}

private func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd < 0 { fatalError("cannot create \(path)") }
    var off = 0
    while off < bytes.count {
        let w = write(fd, bytes.baseAddress! + off, bytes.count - off)
        if w <= 0 { fatalError("cannot write \(path)") }
        off += w
    }
    close(fd)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if reader == nil {
        reader = try! ArchiveReader()
        scratch = "/dev/shm/qflux-fuzz-archive-\(getpid())"
    }
    guard size >= 1 else { return 0 }
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var file = body
    var compressed: UnsafeMutableRawPointer? = nil
    if data[0] & 1 == 1 {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        prefs.frameInfo.blockSizeID = LZ4F_max64KB
        let bound = LZ4F_compressFrameBound(body.count, &prefs)
        compressed = .allocate(byteCount: bound, alignment: 8)
        let n = LZ4F_compressFrame(compressed, bound, body.baseAddress, body.count, &prefs)
        if qf_lz4f_is_error(n) != 0 { fatalError("LZ4F_compressFrame failed") }
        file = UnsafeRawBufferPointer(start: compressed, count: n)
    }
    defer { compressed?.deallocate() }
    for suffix in [ChunkNaming.closedSuffix, ChunkNaming.openSuffix] {
        let path = scratch + suffix
        writeFile(path, file)
        check(path)
        unlink(path)
    }
    return 0
}
