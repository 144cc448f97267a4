import Foundation
import ThreadSupport

#if canImport(Glibc)
import Glibc
#endif

/// One listed CSV, produced piece by piece for a chunked HTTP body: the caller pulls
/// ``nextPiece()`` (at most ``pieceBytes`` each) and nothing is buffered whole.
///
/// - A CSV file is read ``pieceBytes`` at a time.
/// - An archived series is exported by `qflux export`'s ``ArchiveExporter`` on a thread of its
///   own, started by the first pull; the exporter's ~1 MB output buffers are handed over one at a
///   time (the exporter waits while the reader has not taken the last one), so a stream holds at
///   most about 3 MB whatever the archive's size. Dropping the stream stops the hand-over; the
///   exporter then finishes reading its series without writing (it cannot be interrupted mid-run).
package final class CatalogCSVStream {
    /// Largest piece ``nextPiece()`` returns.
    package static let pieceBytes = 64 * 1024

    private enum Origin {
        case file(Int32)
        case export(directory: String, options: ExportOptions)
    }

    private let origin: Origin
    private var hand: ExportHandOver?
    private var current: [UInt8] = []
    private var offset = 0
    private var finished = false

    /// A stream exporting the series under `directory` with `options`.
    init(exporting directory: String, options: ExportOptions) {
        origin = .export(directory: directory, options: options)
    }

    /// A stream of the regular file `path`, which must lie under `root` (links resolved);
    /// `shownAs` names it in errors.
    init(file path: String, root: String, shownAs: String) throws(CatalogError) {
        guard let real = CatalogDirectory.realPath(path), real.hasPrefix(root + "/") else {
            throw CatalogError("\(shownAs): not a file under the data directory")
        }
        let fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw CatalogError("\(shownAs): cannot open it (\(String(cString: strerror(errno))))") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw CatalogError("\(shownAs): not a regular file")
        }
        origin = .file(fd)
    }

    deinit {
        switch origin {
        case let .file(fd): close(fd)
        case .export: hand?.cancel()
        }
    }

    /// The next piece of the CSV (1 … ``pieceBytes`` bytes), or nil at the end. Throws a
    /// ``CatalogError`` when reading fails (the archive vanished, a read error).
    package func nextPiece() throws(CatalogError) -> [UInt8]? {
        if finished { return nil }
        switch origin {
        case let .file(fd):
            var buffer = [UInt8](repeating: 0, count: Self.pieceBytes)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, Self.pieceBytes) }
            if n < 0 { throw CatalogError("read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { finished = true; return nil }
            return Array(buffer[..<n])
        case let .export(directory, options):
            while offset >= current.count {
                if hand == nil { hand = ExportHandOver(directory: directory, options: options) }
                switch hand!.take() {
                case let .piece(bytes):
                    current = bytes
                    offset = 0
                case .end:
                    finished = true
                    return nil
                case let .failed(error):
                    finished = true
                    throw CatalogError(error)
                }
            }
            let end = min(current.count, offset + Self.pieceBytes)
            defer { offset = end }
            return Array(current[offset..<end])
        }
    }
}

/// The exporter's thread and the one buffer it hands to the reader at a time.
///
/// Plainly `Sendable`: the buffer and the flags are in `state` (a `Locked`), touched only under
/// its lock; the two semaphores only wake the other side (`room`: the slot is free or the reader
/// left; `filled`: a buffer, the end or a failure is there).
private final class ExportHandOver: Sendable {
    enum Take {
        case piece([UInt8])
        case end
        case failed(String)
    }

    private struct State {
        var piece: [UInt8]?
        var done = false
        var failure: String?
        var cancelled = false
    }

    private let state = Locked(State())
    private let room = DispatchSemaphore(value: 1)
    private let filled = DispatchSemaphore(value: 0)

    init(directory: String, options: ExportOptions) {
        let thread = Thread { [self] in
            let exporter = ArchiveExporter(directory: directory, options: options, sink: { bytes in self.put(bytes) })
            var failed: String?
            do {
                _ = try exporter.run()
            } catch {
                failed = Self.message(error)
            }
            state.withLock { s in
                s.done = true
                s.failure = failed
            }
            filled.signal()
        }
        thread.name = "qflux-csv-export"
        thread.start()
    }

    /// Blocks until the reader took the previous buffer; false once the reader went away.
    private func put(_ bytes: UnsafeRawBufferPointer) -> Bool {
        room.wait()
        let handed = state.withLock { s in
            guard !s.cancelled else { return false }
            s.piece = Array(bytes)
            return true
        }
        if handed { filled.signal() } else { room.signal() }  // cancelled: the next put returns at once too
        return handed
    }

    /// The next buffer, the end, or the export's failure (blocks until there is one).
    func take() -> Take {
        filled.wait()
        let taken: Take = state.withLock { s in
            if let p = s.piece {
                s.piece = nil
                return .piece(p)
            }
            if let failure = s.failure { return .failed(failure) }
            return .end
        }
        if case .piece = taken { room.signal() } else { filled.signal() }  // the end stays visible to another take
        return taken
    }

    /// The reader is gone: the exporter's next hand-over returns false.
    func cancel() {
        state.withLock { s in
            s.cancelled = true
            s.piece = nil
        }
        room.signal()
    }

    /// An export failure without the server's directory in it.
    private static func message(_ error: any Error) -> String {
        guard let error = error as? ArchiveError else { return "\(error)" }
        var text = error.code.rawValue + " failed"
        if let detail = error.detail { text += ": " + detail }
        if let e = error.errno { text += ": " + String(cString: strerror(e)) }
        return text
    }
}
