/// The versioned header at the start of every chunk's decompressed stream (see
/// docs/archive-format.md): magic `QFAR`, format version, kind, encoding, timeframe, asset name.
package struct ChunkHeader: Equatable, Sendable {
    /// `QFAR`.
    package static let magic: [UInt8] = Array("QFAR".utf8)
    /// The format version this build writes and reads.
    package static let currentVersion: UInt8 = 1
    /// Encoding 1: scaled-delta varint columns.
    package static let scaledDeltaEncoding: UInt8 = 1
    /// Bytes before the asset name.
    package static let fixedSize = 14

    /// Format version.
    package var version: UInt8
    /// Ticks or candles.
    package var kind: ArchiveKind
    /// Record encoding.
    package var encoding: UInt8
    /// Candle timeframe in seconds (0 for ticks).
    package var timeframeSeconds: UInt32
    /// The broker's spelling of the asset.
    package var asset: String

    /// A header of the current version and encoding.
    package init(kind: ArchiveKind, asset: String, timeframeSeconds: UInt32) {
        self.version = Self.currentVersion
        self.kind = kind
        self.encoding = Self.scaledDeltaEncoding
        self.timeframeSeconds = timeframeSeconds
        self.asset = asset
    }

    /// The header's bytes.
    package var bytes: [UInt8] {
        var out = Self.magic
        out += [version, kind.rawValue, encoding, 0]
        withUnsafeBytes(of: timeframeSeconds.littleEndian) { out += $0 }
        let name = Array(asset.utf8.prefix(Int(UInt16.max)))
        withUnsafeBytes(of: UInt16(name.count).littleEndian) { out += $0 }
        return out + name
    }

    /// Parses a header; returns it and its length. Throws `notAnArchive` / `unsupportedFormat`,
    /// or `badRecord` when the bytes end inside the header.
    package static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) -> (ChunkHeader, Int) {
        guard bytes.count >= 4, bytes.prefix(4).elementsEqual(magic) else {
            throw ArchiveError(.notAnArchive, path: path, detail: bytes.count < 4 ? "no header" : "bad magic")
        }
        guard bytes.count >= fixedSize else { throw ArchiveError(.badRecord, path: path, detail: "header cut short") }
        let version = bytes[4]
        guard version == currentVersion else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "format version \(version)")
        }
        guard let kind = ArchiveKind(rawValue: bytes[5]) else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "kind \(bytes[5])")
        }
        guard bytes[6] == scaledDeltaEncoding else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "encoding \(bytes[6])")
        }
        let tf = UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24
        let n = Int(bytes[12]) | Int(bytes[13]) << 8
        guard bytes.count >= fixedSize + n else { throw ArchiveError(.badRecord, path: path, detail: "header cut short") }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[fixedSize..<fixedSize + n]), as: UTF8.self)
        var h = ChunkHeader(kind: kind, asset: name, timeframeSeconds: tf)
        h.version = version
        return (h, fixedSize + n)
    }
}
