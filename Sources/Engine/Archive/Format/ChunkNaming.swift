import Candles
import FastDecode
import TextWriters

/// File and folder names of chunks (see docs/archive-format.md):
/// `EURUSD_otc/ticks/EURUSD_otc_ticks_20250903T003350Z_000001.qfa.lz4` and
/// `EURUSD_otc/candles_1m/EURUSD_otc_candles_1m_20250903T003300Z_000001.qfa.lz4`; a chunk being
/// written ends in `.open`.
package enum ChunkNaming {
    /// Extension of a closed chunk.
    package static let closedSuffix = ".qfa.lz4"
    /// Extension of a chunk being written (or orphaned by a crash).
    package static let openSuffix = ".qfa.lz4.open"

    /// A file-name-safe spelling of an asset: ASCII letters, digits, `-` and `_` are kept, every
    /// other byte becomes `%XX` (`#AAPL` → `%23AAPL`, `EUR/USD` → `EUR%2FUSD`). The header keeps
    /// the real name.
    package static func safeName(_ asset: String) -> String {
        var out = ""
        for b in asset.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(b >> 4)])
                out.unicodeScalars.append(hex[Int(b & 15)])
            }
        }
        return out.isEmpty ? "%00" : out
    }

    /// `ticks` or `candles_1m`: the folder under the asset's and the name part.
    package static func kindPart(_ kind: ArchiveKind, timeframeSeconds: Int) -> String {
        switch kind {
        case .ticks: "ticks"
        case .payouts: "payouts"
        case .signals: "signals"
        case .candles: "candles_\(Timeframe(seconds: max(timeframeSeconds, 1)))"
        }
    }

    /// The folder of a stream, relative to the data directory.
    package static func folder(asset: String, kind: ArchiveKind, timeframeSeconds: Int) -> String {
        "\(safeName(asset))/\(kindPart(kind, timeframeSeconds: timeframeSeconds))"
    }

    /// A closed chunk's file name (no folder) for a chunk whose first record is at `time`.
    package static func fileName(asset: String, kind: ArchiveKind, timeframeSeconds: Int, time: Double, sequence: Int)
        -> String
    {
        let seq = String(sequence)
        let padded = String(repeating: "0", count: max(0, 6 - seq.count)) + seq
        return
            "\(safeName(asset))_\(kindPart(kind, timeframeSeconds: timeframeSeconds))_\(UTCTime.compactStamp(time))_\(padded)\(closedSuffix)"
    }

    /// Whether a file name is a chunk, closed or open.
    package static func isChunk(_ name: String) -> Bool {
        name.hasSuffix(closedSuffix) || name.hasSuffix(openSuffix)
    }
}
