import Candles

/// Names in the catalog: asset folders back to real asset names, listing file names, and the
/// original's timeframe names.
package enum CatalogNames {
    /// The real asset name of an asset folder (`%23AAPL` → `#AAPL`, ``ChunkNaming/safeName(_:)``
    /// undone), or nil when the folder is not a name qflux writes (a bad or needless `%XX`,
    /// a byte `safeName` would have escaped, not UTF-8).
    package static func assetName(folder: String) -> String? {
        var bytes: [UInt8] = []
        var it = Array(folder.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hex(it.removeFirst()), let lo = hex(it.removeFirst()) else { return nil }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(b)
            }
        }
        if folder == "%00" { return nil }  // safeName's spelling of the empty name: nothing to list
        guard let name = String(validating: bytes, as: UTF8.self) else { return nil }
        // Only the canonical spelling: one asset, one folder, one listing name.
        return ChunkNaming.safeName(name) == folder ? name : nil
    }

    /// The listing name of an archived series: the asset folder with `%` spelled `~` (so the
    /// name is URL-safe as it is, and `~` never occurs in a folder name), `_`, the timeframe,
    /// `.csv`: `EURUSD_otc_1m.csv`, `EURUSD_otc_tick.csv`, `~23AAPL_5s.csv`.
    package static func filename(folder: String, timeframe: String) -> String {
        String(folder.map { $0 == "%" ? "~" : $0 }) + "_" + timeframe + ".csv"
    }

    /// The listing's timeframe name: `tick` for ticks, else the timeframe's short name (`1m`).
    package static func timeframeName(kind: ArchiveKind, seconds: Int) -> String {
        kind == .ticks ? "tick" : Timeframe(seconds: max(seconds, 1)).description
    }

    /// A `?timeframe=` value in the listing's spelling (`tick`, `1m`, `4h`), accepting `ticks`,
    /// any case and qflux's timeframe forms (`60`, `1M`); nil when it names no timeframe.
    package static func normalizedTimeframe(_ text: String) -> String? {
        let t = text.lowercased()
        if t == "tick" || t == "ticks" { return "tick" }
        return Timeframe(parsing: t).map(\.description)
    }

    /// The series a folder under an asset folder holds: `ticks` or `candles_<tf>` with `<tf>`
    /// spelled as qflux writes it; nil for anything else.
    package static func seriesKind(folder: String) -> (kind: ArchiveKind, seconds: Int)? {
        if folder == "ticks" { return (.ticks, 0) }
        guard folder.hasPrefix("candles_") else { return nil }
        let name = String(folder.dropFirst("candles_".count))
        guard let tf = Timeframe(parsing: name), tf.description == name else { return nil }
        return (.candles, tf.seconds)
    }

    /// Asset and timeframe of an original-layout CSV from its name and folder:
    /// `data_collect/5M_candles/EURUSD_otc_5m_20250903_0033.csv` → (`EURUSD_otc`, 5m). The
    /// timeframe is the first `_<N>m_` / `_<N>h_` token of the name, else the folder's
    /// `<N>M_candles`; the asset is the name before the token (else the whole stem).
    package static func originalCSV(stem: String, folder: String) -> (asset: String, timeframe: Timeframe?) {
        let parts = stem.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        for i in parts.indices.dropFirst() {
            let p = parts[i].lowercased()
            guard p.count >= 2, let unit = p.last, unit == "m" || unit == "h" || unit == "s" || unit == "d",
                p.dropLast().allSatisfy(\.isNumber), let tf = Timeframe(parsing: p)
            else { continue }
            return (parts[..<i].joined(separator: "_"), tf)
        }
        var tf: Timeframe?
        let lower = folder.lowercased()
        if lower.hasSuffix("_candles") { tf = Timeframe(parsing: String(lower.dropLast("_candles".count))) }
        return (stem, tf)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
