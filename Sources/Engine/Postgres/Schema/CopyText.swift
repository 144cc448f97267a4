/// COPY's text format (tab-separated, `\N` for NULL): the escaping of a text field.
package enum CopyText {
    /// `text` as a COPY text field: backslash, tab, newline and carriage return escaped.
    package static func field(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: out.append(b)
            }
        }
        return out
    }
}
