#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A whole file's bytes in memory, read with `read(2)` straight into one allocation of the file's
/// size (no zero fill, no copy; grown when the file grows or has no size: pipes, `/dev/stdin`).
/// What the CSV reader reads small files and pipes from (large regular files it reads in windows,
/// ``CandleCSVReader/read(path:window:splitAbove:)``). Not mapped: a mapped file that another process cuts short
/// while it is read ends the reading process with SIGBUS; a read file only ends sooner.
package final class FileBytesBuffer {
    /// The bytes.
    package let bytes: UnsafeRawBufferPointer
    private let storage: UnsafeMutableRawPointer

    /// Reads the file at `path`, or nil when it cannot be opened or read.
    package init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
        // One more byte than the size: a read that fills it shows the file grew.
        var capacity = max(size + 1, 1 << 16)
        guard var memory = malloc(capacity) else { return nil }
        var count = 0
        while true {
            if count == capacity {
                capacity *= 2
                guard let grown = realloc(memory, capacity) else {
                    free(memory)
                    return nil
                }
                memory = grown
            }
            let n = read(fd, memory + count, capacity - count)
            if n > 0 {
                count += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                free(memory)
                return nil
            }
        }
        storage = memory
        bytes = UnsafeRawBufferPointer(start: memory, count: count)
    }

    deinit { free(storage) }
}
