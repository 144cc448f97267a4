/// The versioned header at the start of every chunk's decompressed stream (see
/// docs/archive-format.md): magic `QFAR`, format version, kind, encoding, timeframe, asset name
/// and (format 2) the most records the chunk may hold.
package struct ChunkHeader: Equatable, Sendable {
    /// `QFAR`.
    package static let magic: [UInt8] = Array("QFAR".utf8)
    /// The format version this build writes (it reads 1 and 2).
    package static let currentVersion: UInt8 = 2
    /// Encoding 1: scaled-delta varint columns (format 1 ticks; candles in formats 1 and 2).
    package static let scaledDeltaEncoding: UInt8 = 1
    /// Encoding 2: bit-packed adaptive columns (format 2 ticks).
    package static let bitPackedEncoding: UInt8 = 2
    /// Bytes before the asset name in format 1.
    package static let fixedSize = 14
    /// Bytes before the asset name in format 2 (the record limit follows the name's length).
    package static let fixedSizeV2 = 18
    /// The most records a chunk may hold: chunk sizes are capped at it, and readers stop a chunk
    /// (as damaged) at it – the bound on what a hostile file can make them produce.
    package static let maxRecords = 1 << 20

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
    /// The most records the chunk holds (format 2: the writer's chunk size; format 1: ``maxRecords``).
    package var recordLimit: Int

    /// A header of the current version: ticks bit-packed, candles as varint columns.
    package init(kind: ArchiveKind, asset: String, timeframeSeconds: UInt32, recordLimit: Int = maxRecords) {
        self.version = Self.currentVersion
        self.kind = kind
        self.encoding = kind.hasTickRecords ? Self.bitPackedEncoding : Self.scaledDeltaEncoding
        self.timeframeSeconds = timeframeSeconds
        self.asset = asset
        self.recordLimit = min(max(recordLimit, 1), Self.maxRecords)
    }

    /// The longest record of this kind and encoding, in bytes (bounds the decoded size).
    package var maxRecordBytes: Int {
        switch (kind, encoding) {
        case (.ticks, Self.bitPackedEncoding), (.payouts, Self.bitPackedEncoding): 27
        case (.ticks, _), (.payouts, _): 42
        case (.candles, _): 104
        case (.signals, _): SignalRecord.maxBytes(encoding: encoding)
        }
    }

    /// The most decoded bytes a chunk with this header (`headerLength` bytes long) can hold: the
    /// header, `recordLimit` of the longest records, a padding byte.
    package func maxDecodedBytes(headerLength: Int) -> Int { headerLength + recordLimit * maxRecordBytes + 1 }

    /// The header's bytes.
    package var bytes: [UInt8] {
        var out = Self.magic
        out += [version, kind.rawValue, encoding, 0]
        withUnsafeBytes(of: timeframeSeconds.littleEndian) { out += $0 }
        let name = Array(asset.utf8.prefix(Int(UInt16.max)))
        withUnsafeBytes(of: UInt16(name.count).littleEndian) { out += $0 }
        if version >= 2 { withUnsafeBytes(of: UInt32(recordLimit).littleEndian) { out += $0 } }
        return out + name
    }

    /// Parses a header (format 1 or 2); returns it and its length. Throws `notAnArchive` /
    /// `unsupportedFormat`, or `badRecord` when the bytes end inside the header.
    package static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) -> (ChunkHeader, Int)
    {
        guard bytes.count >= 4, bytes.prefix(4).elementsEqual(magic) else {
            throw ArchiveError(.notAnArchive, path: path, detail: bytes.count < 4 ? "no header" : "bad magic")
        }
        guard bytes.count >= fixedSize else { throw ArchiveError(.badRecord, path: path, detail: "header cut short") }
        let version = bytes[4]
        guard version == 1 || version == 2 else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "format version \(version)")
        }
        guard let kind = ArchiveKind(rawValue: bytes[5]) else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "kind \(bytes[5])")
        }
        let encoding = bytes[6]
        guard
            encoding == scaledDeltaEncoding || (version >= 2 && kind.hasTickRecords && encoding == bitPackedEncoding)
                || (version >= 2 && kind == .signals
                    && (encoding == SignalRecord.encoding || encoding == SignalRecord.assetEncoding))
        else {
            throw ArchiveError(.unsupportedFormat, path: path, detail: "encoding \(encoding)")
        }
        func u32(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        let tf = u32(8)
        let n = Int(bytes[12]) | Int(bytes[13]) << 8
        let nameStart = version >= 2 ? fixedSizeV2 : fixedSize
        guard bytes.count >= nameStart + n else {
            throw ArchiveError(.badRecord, path: path, detail: "header cut short")
        }
        var limit = maxRecords
        if version >= 2 {
            let declared = u32(14)
            guard declared >= 1, declared <= UInt32(maxRecords) else {
                throw ArchiveError(
                    .unsupportedFormat, path: path, detail: "record limit \(declared) (at most \(maxRecords))")
            }
            limit = Int(declared)
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameStart + n]), as: UTF8.self)
        var h = ChunkHeader(kind: kind, asset: name, timeframeSeconds: tf, recordLimit: limit)
        h.version = version
        h.encoding = encoding
        return (h, nameStart + n)
    }
}
