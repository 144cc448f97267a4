// libFuzzer target for the archive reader (Sources/Engine/Archive/Reader + Format), built with
// `swiftc -sanitize=fuzzer,address` straight from the archive source files (see scripts/fuzz.sh).
// The first byte picks the mode (bit 0) and the absurd variants (bits 1–2):
//   bit 0 = 0  the rest is a chunk file as found on disk (LZ4 frame with checksums): written to a
//              tmpfs file and read with ArchiveReader.scan, once as `.qfa.lz4` and once as `.open`
//   bit 0 = 1  the rest is a decompressed chunk stream (header + records): compressed into a valid
//              LZ4 frame here, so the header parser and record decoders see arbitrary bytes behind
//              valid checksums, then read the same way
//   bit 1      (stream mode) an LZ4 bomb: the stream is followed by up to 8 MB of zeros (the second
//              byte × 32 KB), compressed with 4 MB blocks
//   bit 2      the file gets a sparse tail: truncated up to 1 GB longer (the second byte × 4 MB)
//   (with bit 1 or 2 set, the file or stream starts at the third byte)
// Once, at start: a FIFO, a symlink to /dev/zero, a directory and an empty file named as chunks
// must be refused (thrown, or no records) without blocking.
// Invariants checked: nothing traps; record counts match what the callbacks saw and stay within
// the header's record limit (signal records, which have no callback: SignalJournalReader reads
// the same file within that limit, and a complete chunk's records all); decoded bytes stay within the header's bound; a summary's first/last
// times are NaN exactly when no record with a time (not NaN) was read, else first ≤ last.
import CLZ4
import Glibc

nonisolated(unsafe) private var reader: ArchiveReader? = nil
nonisolated(unsafe) private var scratch: String = ""
nonisolated(unsafe) private var zeros = [UInt8](repeating: 0, count: 1 << 20)

private func check(_ path: String) {
    var n = 0
    var timed = 0  // records whose time is a number (a tick's may be NaN)
    do {
        let summary = try reader!.scan(
            path,
            ticks: {
                n += 1
                if !$0.time.isNaN { timed += 1 }
            },
            candles: { _ in
                n += 1
                timed += 1
            })
        if summary.header.kind == .signals {
            // No callback for signal records: the journal reader reads the same file (either
            // encoding) within the header's limit, and a complete chunk whole, undamaged.
            var journal = SignalJournalReader.Journal()
            try SignalJournalReader.readChunk(path, ChunkDecompressor(), into: &journal)
            if journal.records.count > summary.header.recordLimit {
                fatalError("journal read \(journal.records.count) records, limit \(summary.header.recordLimit)")
            }
            if summary.condition == .complete && (journal.records.count != summary.records || journal.damaged != 0) {
                fatalError(
                    "journal read \(journal.records.count) (damaged \(journal.damaged)), scan \(summary.records)")
            }
            n = summary.records
            timed = n  // a signal record's time is an integer
        }
        if summary.records != n { fatalError("records \(summary.records) != callbacks \(n)") }
        if (timed == 0) != summary.firstTime.isNaN || (timed == 0) != summary.lastTime.isNaN {
            fatalError("times \(summary.firstTime)…\(summary.lastTime) with \(timed) of \(n) records timed")
        }
        if timed > 0 && !(summary.firstTime <= summary.lastTime) {
            fatalError("first time \(summary.firstTime) after last \(summary.lastTime)")
        }
        if n > summary.header.recordLimit && !summary.header.asset.isEmpty {
            fatalError("\(n) records, more than the header's limit \(summary.header.recordLimit)")
        }
        let bound = summary.header.maxDecodedBytes(headerLength: ChunkHeader.fixedSizeV2 + Int(UInt16.max))
        if summary.decodedBytes > bound { fatalError("decoded \(summary.decodedBytes) bytes, bound \(bound)") }
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

/// A FIFO, /dev/zero behind a symlink, a directory and an empty file, named as chunks: each is
/// refused at once (a blocking open or an endless read would hang the fuzzer: its -timeout
/// catches that).
private func oddFiles() {
    for suffix in [ChunkNaming.closedSuffix, ChunkNaming.openSuffix] {
        let path = scratch + "-odd" + suffix
        unlink(path)
        rmdir(path)
        if mkfifo(path, 0o600) == 0 { check(path); unlink(path) }
        if symlink("/dev/zero", path) == 0 { check(path); unlink(path) }
        if mkdir(path, 0o700) == 0 { check(path); rmdir(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd >= 0 { close(fd); check(path); unlink(path) }
    }
}

/// Compresses `body` (then `zeroBytes` zeros) into one LZ4 frame with checksums on.
private func compress(_ body: UnsafeRawBufferPointer, zeroBytes: Int, bigBlocks: Bool) -> [UInt8] {
    var ctx: OpaquePointer?
    if qf_lz4f_is_error(LZ4F_createCompressionContext(&ctx, qf_lz4f_version())) != 0 { fatalError("LZ4F context") }
    defer { LZ4F_freeCompressionContext(ctx) }
    var prefs = LZ4F_preferences_t()
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
    prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
    prefs.frameInfo.blockSizeID = bigBlocks ? LZ4F_max4MB : LZ4F_max64KB
    let capacity = LZ4F_compressBound(max(body.count, zeros.count), &prefs) + 64
    var buffer = [UInt8](repeating: 0, count: capacity)
    var out: [UInt8] = []
    func take(_ n: Int) {
        if qf_lz4f_is_error(n) != 0 { fatalError("LZ4F compress") }
        out += buffer[0..<n]
    }
    take(LZ4F_compressBegin(ctx, &buffer, capacity, &prefs))
    if body.count > 0 { take(LZ4F_compressUpdate(ctx, &buffer, capacity, body.baseAddress, body.count, nil)) }
    var left = zeroBytes
    while left > 0 {
        let n = min(left, zeros.count)
        take(LZ4F_compressUpdate(ctx, &buffer, capacity, zeros, n, nil))
        left -= n
    }
    take(LZ4F_compressEnd(ctx, &buffer, capacity, nil))
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if reader == nil {
        reader = try! ArchiveReader()
        scratch = "/dev/shm/qflux-fuzz-archive-\(getpid())"
        oddFiles()
    }
    guard size >= 1 else { return 0 }
    let mode = data[0]
    let skip = mode & 6 != 0 ? 2 : 1  // the absurd variants take their amount from the second byte
    guard size >= skip else { return 0 }
    let amount = skip == 2 ? Int(data[1]) : 0
    let body = UnsafeRawBufferPointer(start: data + skip, count: size - skip)
    var compressed: [UInt8] = []
    if mode & 1 == 1 {
        let bomb = mode & 2 != 0
        compressed = compress(body, zeroBytes: bomb ? amount << 15 : 0, bigBlocks: bomb)
    }
    let sparseTail = mode & 4 != 0 ? off_t(amount) << 22 : 0
    for suffix in [ChunkNaming.closedSuffix, ChunkNaming.openSuffix] {
        let path = scratch + suffix
        if mode & 1 == 1 {
            compressed.withUnsafeBytes { writeFile(path, $0) }
        } else {
            writeFile(path, body)
        }
        if sparseTail > 0 {
            var st = stat()
            stat(path, &st)
            truncate(path, st.st_size + sparseTail)
        }
        check(path)
        unlink(path)
    }
    return 0
}
