import Candles

/// The CSV API's view of a data directory: one entry per archived asset × ticks/candle
/// timeframe (the whole history, every chunk), plus CSV files in the original tool's layout.
///
/// Listing reads directories only (names and sizes, never following a symbolic link) and one
/// few chunks per series for the size estimate, so it stays fast on large archives. Paths in
/// entries are relative to the data directory; ``resolve(_:)`` turns a client's path back into
/// a listed entry and refuses everything else (`..`, absolute paths elsewhere, links, files
/// that are not listed).
package struct ArchiveCatalog: Sendable {
    /// The data directory as given.
    package let directory: String
    /// Deepest folder searched for original-layout CSV files (`data_collect/1M_candles/x.csv` is 3).
    package static let csvSearchDepth = 4

    /// A catalog of `directory` (the `--data-dir`).
    package init(directory: String) {
        self.directory = directory
    }

    /// The data directory with links resolved; nil when it does not exist.
    package var root: String? { CatalogDirectory.realPath(directory) }

    /// The listing. An absent data directory lists nothing. `sizes: false` skips the size
    /// estimate (sizes are then nil for archived series).
    package func listing(sizes: Bool = true) -> CatalogListing {
        var listing = CatalogListing(entries: [], skipped: [])
        guard let root else { return listing }
        var csvFiles: [(relative: String, size: Int)] = []
        walk(root, relative: "", depth: 1, sizes: sizes, into: &listing, csv: &csvFiles)
        var taken = Set(listing.entries.map(\.filename))
        for file in csvFiles {
            guard let entry = OriginalCSV.entry(root: root, relative: file.relative, size: file.size) else {
                listing.skipped.append(
                    (
                        file.relative,
                        "not in the original's CSV layout (timestamp,open,close,high,low or timestamp,asset,price)"
                    ))
                continue
            }
            guard taken.insert(entry.filename).inserted else {
                listing.skipped.append((file.relative, "another listed file is named \(entry.filename)"))
                continue
            }
            listing.entries.append(entry)
        }
        return listing
    }

    /// The entries whose timeframe is `timeframe` (`tick`, `1m`, …; any spelling
    /// ``CatalogNames/normalizedTimeframe(_:)`` accepts), or all for nil. An unknown timeframe
    /// lists nothing.
    package func entries(timeframe: String? = nil) -> [CatalogEntry] {
        let all = listing().entries
        guard let timeframe else { return all }
        guard let tf = CatalogNames.normalizedTimeframe(timeframe) else { return [] }
        return all.filter { $0.timeframe == tf }
    }

    /// The entry listed as `filename` (exact match), or nil.
    package func entry(filename: String) -> CatalogEntry? {
        guard Self.isPlainName(filename) else { return nil }
        return listing(sizes: false).entries.first { $0.filename == filename }
    }

    /// The listed entry a client's `file_path` names: its `path` or `filename` as listed, or the
    /// same path made absolute under the data directory. Anything else is refused with a message
    /// that names no server directory.
    package func resolve(_ clientPath: String) throws(CatalogError) -> CatalogEntry {
        guard !clientPath.isEmpty else { throw CatalogError("No file path provided") }
        guard !clientPath.utf8.contains(0), clientPath.utf8.count <= 4096 else {
            throw CatalogError("not a path this server lists")
        }
        guard let root else { throw CatalogError("this server has no data directory") }
        var relative = clientPath
        if relative.hasPrefix("/") {
            if let r = Self.relative(relative, under: root) ?? Self.relative(relative, under: Self.trimmed(directory)) {
                relative = r
            } else {
                throw CatalogError("\(Self.shown(clientPath)): outside the data directory")
            }
        }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.contains("..") { throw CatalogError("\(Self.shown(clientPath)): '..' is not allowed") }
        let normal = parts.joined(separator: "/")
        let entries = listing(sizes: false).entries
        if let e = entries.first(where: { $0.path == normal || $0.filename == normal }) { return e }
        throw CatalogError("\(Self.shown(clientPath)): not a file this server lists (see get_available_data)")
    }

    /// The absolute path of an entry, checked again just before it is read: it must still be
    /// where the listing found it, under the data directory, with no symbolic link on the way
    /// (a folder swapped for a link after the listing is refused).
    package func checkedPath(_ entry: CatalogEntry) throws(CatalogError) -> String {
        guard let root, !entry.path.split(separator: "/").contains(".."),
            CatalogDirectory.realPath(root + "/" + entry.path) == root + "/" + entry.path
        else {
            throw CatalogError("\(entry.path): no longer where it was listed")
        }
        return root + "/" + entry.path
    }

    /// Opens an entry's CSV for streaming (nothing is read until the first piece is pulled).
    package func open(_ entry: CatalogEntry) throws(CatalogError) -> CatalogCSVStream {
        let path = try checkedPath(entry)
        switch entry.source {
        case let .archive(kind, seconds):
            return CatalogCSVStream(
                exporting: path, options: Self.exportOptions(entry: entry, kind: kind, seconds: seconds))
        case .csv:
            return try CatalogCSVStream(file: path, root: root ?? "/", shownAs: entry.path)
        }
    }

    /// The `qflux export` options that produce an archived series' CSV (one asset, the
    /// original's columns, UTC times).
    package static func exportOptions(entry: CatalogEntry, kind: ArchiveKind, seconds: Int) -> ExportOptions {
        ExportOptions(
            kind: kind, asset: entry.asset, timeframe: kind == .candles ? Timeframe(seconds: max(seconds, 1)) : nil,
            format: .csv, time: .iso)
    }

    // MARK: - Walk

    private func walk(
        _ dir: String, relative: String, depth: Int, sizes: Bool,
        into listing: inout CatalogListing, csv: inout [(relative: String, size: Int)]
    ) {
        guard let items = CatalogDirectory.items(dir, sizes: true) else { return }
        for item in items {
            let rel = relative.isEmpty ? item.name : relative + "/" + item.name
            switch item.kind {
            case .link:
                if item.name.hasSuffix(".csv") || depth == 1 {
                    listing.skipped.append((rel, "a symbolic link (never followed)"))
                }
            case .file:
                if item.name.hasSuffix(".csv") { csv.append((rel, item.size)) }
            case .directory:
                if depth == 2, let series = CatalogNames.seriesKind(folder: item.name),
                    addSeries(
                        dir + "/" + item.name, relative: rel, assetFolder: relative, series: series, sizes: sizes,
                        into: &listing)
                {
                    continue
                }
                if depth < Self.csvSearchDepth {
                    walk(
                        dir + "/" + item.name, relative: rel, depth: depth + 1, sizes: sizes, into: &listing, csv: &csv)
                }
            case .other:
                break
            }
        }
    }

    /// Adds the series in `folder` when it holds chunks; false when it holds none.
    private func addSeries(
        _ folder: String, relative: String, assetFolder: String, series: (kind: ArchiveKind, seconds: Int),
        sizes: Bool, into listing: inout CatalogListing
    ) -> Bool {
        // Unsorted: chunk order does not matter here, and 10,000 names sort slowly.
        guard let items = CatalogDirectory.items(folder, sizes: true, sorted: false) else { return false }
        let chunks = items.filter { $0.kind == .file && ChunkNaming.isChunk($0.name) }
        guard !chunks.isEmpty else { return false }
        guard let asset = CatalogNames.assetName(folder: assetFolder) else {
            listing.skipped.append((relative, "'\(assetFolder)' is not an asset folder qflux writes"))
            return true
        }
        let timeframe = CatalogNames.timeframeName(kind: series.kind, seconds: series.seconds)
        var size: Int?
        if sizes {
            let total = chunks.reduce(0) { $0 + $1.size }
            let samples = CatalogSizeEstimate.pick(chunks) { $0.name.hasSuffix(ChunkNaming.openSuffix) }
            size = CatalogSizeEstimate.estimate(
                asset: asset, kind: series.kind, samples: samples.map { (folder + "/" + $0.name, $0.size) },
                totalBytes: total)
        }
        listing.entries.append(
            CatalogEntry(
                filename: CatalogNames.filename(folder: assetFolder, timeframe: timeframe), asset: asset,
                timeframe: timeframe,
                path: relative, size: size, source: .archive(kind: series.kind, timeframeSeconds: series.seconds),
                chunks: chunks.count))
        return true
    }

    // MARK: - Paths

    /// Whether `name` is one path component (no `/`, not `.` or `..`, no NUL).
    package static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
    }

    /// `path` without trailing slashes and `/./`.
    private static func trimmed(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// `path` relative to `base` when it lies under it.
    private static func relative(_ path: String, under base: String) -> String? {
        let p = trimmed(path), b = trimmed(base)
        guard p.hasPrefix(b + "/") else { return nil }
        return String(p.dropFirst(b.count + 1))
    }

    /// A client's path as echoed in an error (shortened, one line).
    private static func shown(_ path: String) -> String {
        let line = path.map { $0.isNewline ? " " : $0 }
        return line.count > 120 ? String(line.prefix(117)) + "…" : String(line)
    }
}
