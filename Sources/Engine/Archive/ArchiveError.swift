#if canImport(Glibc)
import Glibc
#endif

/// An archive failure: what went wrong (`code`), the OS error when there was one (`errno`),
/// and the file it happened to.
package struct ArchiveError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure.
    package enum Code: String, Sendable {
        /// Creating the data directory or a chunk's folder failed.
        case createDirectory
        /// Creating a chunk file failed.
        case createFile
        /// `write(2)` failed (disk full, read-only file system, removed directory…).
        case write
        /// `fsync(2)` failed.
        case sync
        /// Renaming a closed chunk failed.
        case rename
        /// Opening or reading a chunk failed.
        case read
        /// An `LZ4F_*` call failed.
        case lz4
        /// The chunk does not start with a qflux archive header.
        case notAnArchive
        /// The header names a format version or encoding this build does not know.
        case unsupportedFormat
        /// A record could not be decoded.
        case badRecord
        /// The directory is missing or holds no chunks.
        case noChunks
        /// Another process is writing to the data directory (its lock is held).
        case locked
    }

    /// What kind of failure.
    package var code: Code
    /// The `errno` of the failing system call, when there was one.
    package var errno: Int32?
    /// The file or directory involved.
    package var path: String
    /// More detail (e.g. the LZ4 error name).
    package var detail: String?

    /// Creates an error.
    package init(_ code: Code, path: String, errno: Int32? = nil, detail: String? = nil) {
        self.code = code
        self.errno = errno
        self.path = path
        self.detail = detail
    }

    /// One line: `write failed: /data/x.qfa.lz4.open: No space left on device (errno 28)`.
    package var description: String {
        if code == .locked {
            return "\(path) is in use by another qflux writer" + (detail.map { " (\($0))" } ?? "")
                + ": two writers would replace each other's chunks; use another --data-dir or stop the other process"
        }
        var text = "\(code.rawValue) failed: \(path)"
        if let detail { text += ": \(detail)" }
        if let e = errno { text += ": \(String(cString: strerror(e))) (errno \(e))" }
        return text
    }
}
