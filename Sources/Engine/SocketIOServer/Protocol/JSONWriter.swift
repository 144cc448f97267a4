/// Appends JSON text to a byte buffer: the server's outbound payloads are built with it, once per
/// message (and shared by every client that receives it).
package struct JSONWriter: Sendable {
    /// The text written so far.
    package var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends text verbatim (must already be valid JSON where it lands).
    package mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes verbatim.
    package mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// Appends a quoted, escaped JSON string.
    package mutating func string(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    /// Appends an integer.
    package mutating func int(_ v: some BinaryInteger) {
        bytes.append(contentsOf: String(v).utf8)
    }

    /// Appends a number in its shortest round-trip form (`null` for NaN and infinities).
    package mutating func number(_ v: Double) {
        guard v.isFinite else { raw("null"); return }
        if v == v.rounded(), abs(v) < 1e15 {
            int(Int64(v))
        } else {
            bytes.append(contentsOf: v.description.utf8)
        }
    }

    /// Appends `"key":` (the key is escaped).
    package mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `,`.
    package mutating func comma() { bytes.append(UInt8(ascii: ",")) }
}

/// ISO-8601 UTC text for epoch seconds, without Foundation formatters.
package enum ISO8601Text {
    /// `2025-10-15T14:32:00Z` for whole seconds.
    package static func seconds(_ epoch: Int64) -> String {
        format(epoch, millis: nil)
    }

    /// `2025-10-15T14:32:00.123Z`.
    package static func millis(_ epoch: Double) -> String {
        let ms = Int64((epoch * 1000).rounded(.down))
        let s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        return format(s, millis: Int(ms - s * 1000))
    }

    private static func format(_ epoch: Int64, millis: Int?) -> String {
        let days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400
        let secs = Int(epoch - days * 86400)
        // civil-from-days (H. Hinnant)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        var out = "\(pad(Int(y), 4))-\(pad(Int(m), 2))-\(pad(Int(d), 2))T"
        out += "\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))"
        if let millis { out += ".\(pad(millis, 3))" }
        return out + "Z"
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
