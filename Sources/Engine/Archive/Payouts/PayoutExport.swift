import FastDecode
import Foundation
import TextWriters

/// `qflux export --kind payouts`: a payout tape as CSV (`timestamp,asset,payout,percent`) or JSON
/// lines (`{"type":"payout","asset":…,"time":…,"payout":0.79,"percent":79}`), asset by asset,
/// oldest first. `payout` is the fraction of the stake a win earns; `percent` as the broker sent it.
package enum PayoutExport {
    /// The rows of `tape` for `asset` (matched ignoring case and punctuation; nil: all) with
    /// times in [from, to). Throws ``ArchiveError`` `noChunks` when the asset is unknown.
    package static func render(
        _ tape: PayoutTape, asset: String?, from: Double?, to: Double?, format: ExportOptions.Format,
        time: ExportOptions.TimeStyle, directory: String
    ) throws(ArchiveError) -> (text: String, rows: Int) {
        var names = tape.entries.keys.sorted()
        if let asset {
            let exact = names.filter { $0 == asset }
            names =
                exact.isEmpty ? names.filter { AssetDirectory.looseKey($0) == AssetDirectory.looseKey(asset) } : exact
            guard !names.isEmpty else {
                throw ArchiveError(
                    .noChunks, path: directory,
                    detail:
                        "no payouts for asset '\(asset)' (have: \(tape.entries.keys.sorted().joined(separator: ", ")))")
            }
        }
        var out = format == .csv ? "timestamp,asset,payout,percent\n" : ""
        var rows = 0
        for name in names {
            for e in tape.entries[name] ?? [] {
                if let from, e.time < from { continue }
                if let to, e.time >= to { continue }
                let percent = e.payout * 100
                switch format {
                case .csv:
                    let stamp = time == .epoch ? JSONNumber.text(e.time) : UTCTime.iso8601(millis: e.time)
                    out += "\(stamp),\(csv(name)),\(JSONNumber.text(e.payout)),\(JSONNumber.text(percent))\n"
                case .jsonl:
                    out +=
                        "{\"type\":\"payout\",\"asset\":\(JSONNumber.string(name)),\"time\":\(JSONNumber.text(e.time)),\"payout\":\(JSONNumber.text(e.payout)),\"percent\":\(JSONNumber.text(percent))}\n"
                }
                rows += 1
            }
        }
        return (out, rows)
    }

    private static func csv(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Number and string spellings for the payout export.
enum JSONNumber {
    /// The shortest text that reads back as `v` (`79`, `0.79`, `1756860000.5`).
    static func text(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A JSON string literal.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
