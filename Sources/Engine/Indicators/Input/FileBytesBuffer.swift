#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A whole file's bytes in memory: a regular file mapped read-only (its pages mapped at once, no
/// copy), anything else (pipes, `/dev/stdin`, a file mmap refuses) read through
/// ``readFileBytes(_:)``. What the CSV reader reads from. (As with any mapped file, a file cut
/// short by another process while it is read ends the process with SIGBUS.)
package final class FileBytesBuffer {
    /// The bytes.
    package let bytes: UnsafeRawBufferPointer
    /// The memory: mapped (`mappedLength` > 0) or allocated.
    private let storage: UnsafeMutableRawPointer
    private let mappedLength: Int

    /// Reads the file at `path`, or nil when it cannot be opened or read.
    package init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
        if size > 0 {
            #if os(Linux)
            let flags = MAP_PRIVATE | MAP_POPULATE
            #else
            let flags = MAP_PRIVATE
            #endif
            if let p = mmap(nil, size, PROT_READ, flags, fd, 0), p != MAP_FAILED {
                storage = p
                mappedLength = size
                bytes = UnsafeRawBufferPointer(start: p, count: size)
                return
            }
        }
        guard let whole = readFileBytes(path) else { return nil }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(whole.count, 1), alignment: 16)
        whole.withUnsafeBytes { b in
            if let source = b.baseAddress { memory.copyMemory(from: source, byteCount: b.count) }
        }
        storage = memory
        mappedLength = 0
        bytes = UnsafeRawBufferPointer(start: memory, count: whole.count)
    }

    deinit {
        if mappedLength > 0 { munmap(storage, mappedLength) } else { storage.deallocate() }
    }
}
