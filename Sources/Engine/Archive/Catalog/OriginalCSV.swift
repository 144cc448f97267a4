import Candles
import FastDecode
import Foundation

#if canImport(Glibc)
import Glibc
import TextWriters
#endif

/// CSV files in the original tool's layout under the data directory
/// (`data_collect/1M_candles/EURUSD_otc_1m_20250903_0033.csv`): recognised by their first line,
/// listed under their own name and served as they are.
enum OriginalCSV {
    /// Bytes read from the start of a file to recognise it.
    static let sniffBytes = 4096

    /// The entry for the CSV file at `root/relative` (`size` bytes), or nil when its first line
    /// is neither the candle header `timestamp,open,close,high,low[,volume]` (any column order),
    /// the tick header `timestamp,asset,price`, nor a header-less candle row in the original's order.
    static func entry(root: String, relative: String, size: Int) -> CatalogEntry? {
        guard let head = readHead(root + "/" + relative) else { return nil }
        let lines = head.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        guard let first = lines.first else { return nil }
        let fields = first.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                .lowercased()
        }
        let kind: ArchiveKind
        if fields.count == 3, fields[0] == "timestamp", fields[1] == "asset", fields[2] == "price" {
            kind = .ticks
        } else if Set(["timestamp", "open", "high", "low", "close"]).isSubset(of: fields)
            || (fields.count >= 5 && UTCTime.parse(fields[0]) != nil && fields[1...4].allSatisfy { Double($0) != nil })
        {
            kind = .candles
        } else {
            return nil
        }
        let name = (relative as NSString).lastPathComponent
        let folder = ((relative as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let stem = String(name.dropLast(".csv".count))
        var (asset, tf) = CatalogNames.originalCSV(stem: stem, folder: folder)
        if kind == .ticks, lines.count > 1 {
            // The tick file's own asset column.
            let row = lines[1].split(separator: ",", omittingEmptySubsequences: false)
            if row.count == 3 { asset = row[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
        }
        if kind == .candles, tf == nil { tf = spacing(lines) }
        let timeframe = kind == .ticks ? "tick" : (tf?.description ?? "?")
        return CatalogEntry(
            filename: name, asset: asset, timeframe: timeframe, path: relative, size: size,
            source: .csv(kind: kind), chunks: 0)
    }

    /// The spacing of the first two data rows as a timeframe, when they have one.
    private static func spacing(_ lines: [Substring]) -> Timeframe? {
        let times = lines.compactMap { line -> Double? in
            guard let f = line.split(separator: ",", maxSplits: 1).first else { return nil }
            return UTCTime.parse(f.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")))
        }
        guard times.count >= 2 else { return nil }
        // Checked: a file's first times may be anything (1e308), and Int(x) of a huge Double traps.
        guard let s = Int(exactly: (times[1] - times[0]).rounded()), s > 0, s <= 31_536_000 else { return nil }
        return Timeframe(seconds: s)
    }

    /// The first ``sniffBytes`` of a regular file (never through a symbolic link); nil when it
    /// cannot be read or is not text.
    private static func readHead(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var buffer = [UInt8](repeating: 0, count: sniffBytes)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, sniffBytes) }
        guard n > 0 else { return nil }
        var bytes = Array(buffer[..<n])
        // A cut multi-byte character at the end is not an error.
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil, bytes.count > n - 4 {
            bytes.removeLast()
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
