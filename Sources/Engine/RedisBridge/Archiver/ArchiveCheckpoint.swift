import Archive
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the Redis archiver has made durable, per tick stream: the id of the last entry archived
/// and how many ticks of that asset the archive held at that point. Kept in
/// `<data-dir>/.qflux-redis-checkpoint` (one `key<TAB>id<TAB>count` line per stream), replaced
/// atomically (write, fsync, rename, fsync of the folder) after every archive sync.
///
/// Why the count: a `kill -9` between an archive sync and the checkpoint leaves ticks in the
/// archive that the checkpoint does not cover. On restart, the archive's tick count minus the
/// checkpoint's count is exactly how many entries after the checkpointed id are already archived
/// (the archiver writes each stream's entries in id order): they are skipped, not written twice.
///
/// The payout stream (`qflux:payouts`) has its line too (count: payout records of every asset),
/// plus one `qflux:payouts:<asset>` line per asset with that asset's payout record count, which
/// the crash-window skip uses (``ArchivedPayouts``).
package struct ArchiveCheckpoint: Sendable, Equatable {
    /// One stream's durable position.
    package struct Position: Sendable, Equatable {
        /// The last entry id archived.
        package var id: StreamID
        /// Ticks of the stream's asset in the archive at that point.
        package var count: Int

        /// Creates a position.
        package init(id: StreamID, count: Int) {
            self.id = id
            self.count = count
        }
    }

    /// The file name inside the data directory.
    package static let fileName = ".qflux-redis-checkpoint"

    /// Tick stream key → position.
    package var positions: [String: Position] = [:]

    /// An empty checkpoint.
    package init() {}

    /// Reads the checkpoint of `directory`; nil when there is none.
    package static func load(directory: String) throws -> ArchiveCheckpoint? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out = ArchiveCheckpoint()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t")
            guard parts.count == 3, let id = StreamID(parts[1]), let count = Int(parts[2]) else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
            }
            out.positions[String(parts[0])] = Position(id: id, count: count)
        }
        return out
    }

    /// Writes the checkpoint durably into `directory` (temporary file, fsync, rename, folder
    /// fsync). A failure throws an ``ArchiveError`` naming the file and the errno.
    package func save(directory: String) throws(ArchiveError) {
        var text = "# qflux archive --from redis: last archived entry id and archive tick count per stream\n"
        for key in positions.keys.sorted() {
            let p = positions[key]!
            text += "\(key)\t\(p.id)\t\(p.count)\n"
        }
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError(.createFile, path: temporary, errno: errno) }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw ArchiveError(.write, path: temporary, errno: e)
            }
            done += n
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            throw ArchiveError(.sync, path: temporary, errno: e)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw ArchiveError(.rename, path: path, errno: errno) }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }
}
