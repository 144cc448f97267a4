import Archive
import FastDecode

#if canImport(Glibc)
import Glibc
import TextWriters
#endif

/// One-line messages for archive errors, shared by every command that reads or writes archives.
enum ArchiveMessages {
    static func line(_ error: ArchiveError) -> String {
        switch error.code {
        case .noChunks where error.errno == ENOENT: return "\(error.path): no such directory"
        case .noChunks where error.errno == ENOTDIR: return "\(error.path): not a directory"
        case .noChunks: return "\(error.path): \(error.detail ?? "no chunks")"
        case .createDirectory: return "cannot create directory \(error.path)\(reason(error))"
        case .createFile: return "cannot create \(error.path)\(reason(error))"
        default: return error.description
        }
    }

    /// `: <strerror>` of the error's errno, else `: <detail>`, else nothing.
    private static func reason(_ error: ArchiveError) -> String {
        if let code = error.errno { return ": " + String(cString: strerror(code)) }
        return error.detail.map { ": " + $0 } ?? ""
    }

    /// `12.3 MB`, `456 KB`, `789 B`.
    static func size(_ bytes: Int) -> String {
        if bytes >= 1_000_000 { return "\(DecodeSummary.format(Double(bytes) / 1e6)) MB" }
        if bytes >= 1000 { return "\(DecodeSummary.format(Double(bytes) / 1e3)) KB" }
        return "\(bytes) B"
    }

    /// A time for tables: UTC to the second.
    static func time(_ t: Double) -> String {
        t.isFinite ? UTCTime.humanStamp(Int64(t.rounded(.down))) : "-"
    }
}

/// A progress line on standard error (only when it is a terminal), at most 5 updates a second.
struct ArchiveProgress {
    let label: String
    let enabled: Bool
    private var last = 0.0
    private var shown = false

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    /// Seconds between redraws.
    private static let redrawInterval = 0.2
    /// Characters of the bar.
    private static let width = 30

    mutating func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let now = monotonicSeconds()
        guard now - last >= Self.redrawInterval else { return }
        last = now
        shown = true
        let fraction = Double(done) / Double(total)
        let width = Self.width
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var text = "\r\(label) [\(bar)] \(Int(fraction * 100))% of \(ArchiveMessages.size(total))"
        text.withUTF8 { _ = StandardStreams.write(UnsafeRawBufferPointer($0), to: 2) }
    }

    mutating func finish() {
        guard shown else { return }
        var clear = "\r\u{1B}[K"
        clear.withUTF8 { _ = StandardStreams.write(UnsafeRawBufferPointer($0), to: 2) }
        shown = false
    }
}
