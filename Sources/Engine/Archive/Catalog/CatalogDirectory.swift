#if canImport(Glibc)
import Glibc
#endif

/// One directory's entries read with `readdir` and `lstat` semantics: symbolic links are
/// reported as links, never followed (so nothing outside the data directory is ever listed).
struct CatalogDirectory {
    /// What a name is.
    enum Kind { case directory, file, link, other }

    /// A name and what it is; `size` for regular files.
    struct Item {
        var name: String
        var kind: Kind
        var size: Int
    }

    /// The entries of `path` (without `.` and `..`, hidden names skipped), sorted by name (byte
    /// order) unless `sorted` is false; nil when it cannot be opened. `sizes` stats every regular
    /// file for its size.
    static func items(_ path: String, sizes: Bool, sorted: Bool = true) -> [Item]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        var out: [Item] = []
        while let e = readdir(dir) {
            let name = withUnsafePointer(to: &e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: e.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name.hasPrefix(".") { continue }
            var kind: Kind
            switch Int32(e.pointee.d_type) {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_REG): kind = .file
            case Int32(DT_LNK): kind = .link
            case Int32(DT_UNKNOWN): kind = .other
            default: kind = .other
            }
            var size = 0
            if kind == .other || (kind == .file && sizes) {
                var st = stat()
                if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                    switch st.st_mode & S_IFMT {
                    case S_IFDIR: kind = .directory
                    case S_IFREG: kind = .file
                    case S_IFLNK: kind = .link
                    default: kind = .other
                    }
                    size = Int(st.st_size)
                }
            }
            out.append(Item(name: name, kind: kind, size: size))
        }
        return sorted ? out.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) } : out
    }

    /// The canonical absolute path of `path` (symbolic links resolved), nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
