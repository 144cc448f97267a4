#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a data directory, held for as long as a writer writes to it: a second
/// `qflux stream --collect-stream`, `replay` or archiver on the same directory is refused with
/// ``ArchiveError/Code/locked`` instead of silently replacing the first one's chunks.
///
/// `flock(2)` on `<dir>/.qflux.lock` (the file stays; it holds the owner's pid for the message).
/// The kernel drops the lock when the process ends, `kill -9` included: no stale locks.
/// Readers (`export`, `ls`, `verify`) never take it.
package final class DataDirectoryLock {
    /// The lock file's name inside the data directory.
    package static let fileName = ".qflux.lock"

    /// The lock file.
    package let path: String
    private var fd: Int32

    /// Takes the lock on `directory` (which must exist) or throws ``ArchiveError/Code/locked``
    /// naming the holder's pid.
    package init(directory: String) throws(ArchiveError) {
        path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError(.createFile, path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            let holder = Self.readPid(fd)
            close(fd)
            fd = -1
            if error == EWOULDBLOCK {
                throw ArchiveError(.locked, path: directory, detail: holder.map { "pid \($0)" })
            }
            throw ArchiveError(.createFile, path: path, errno: error, detail: "flock")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit { release() }

    /// Gives the lock up (also done on deinit and by the kernel at exit).
    package func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        return Int(
            String(decoding: buffer[0..<n].filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self)
        )
    }
}
