/// The number grammar of qflux's stream fields: what a publisher writes, and nothing else.
///
/// qflux writes every number as the shortest decimal text that reads back as the same Double
/// (Swift's `description`: `1700000000.125`, `1.08531`, `1e-05`, `1e+16`); Python's `str(float)`
/// and JavaScript's `String(x)` write the same shapes. Accepted is exactly JSON's number grammar
/// – `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` – of at most ``maxLength`` bytes. Refused:
/// hex floats (`0x1p30`, which `Double("0x1p30")` would read as 2^30), `inf`/`nan` in any
/// spelling, a leading `+`, `.5`, `5.`, leading zeros, spaces, and anything longer (the shortest
/// form of any Double is at most 24 bytes). Whether the value is a sane market time or price is
/// a separate check (`MarketLimits`).
package enum DecimalField {
    /// The longest field accepted, in bytes.
    package static let maxLength = 40

    /// The value of `text` when it is a plain decimal number; nil otherwise (a number too large
    /// for a Double reads as ±infinity, for the caller's range check to refuse).
    package static func parse(_ text: String) -> Double? {
        var copy = text
        let plain = copy.withUTF8 { isPlainDecimal($0) }
        return plain ? Double(copy) : nil
    }

    /// Whether `bytes` follow the grammar above.
    package static func isPlainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        guard n > 0, n <= maxLength else { return false }
        var i = 0
        func digit(_ k: Int) -> Bool { k < n && bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9") }
        func digits() -> Bool {
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
            return true
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, bytes[i] == UInt8(ascii: "0") {
            i += 1
            if digit(i) { return false }  // a leading zero
        } else if !digits() {
            return false
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return false }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return false }
        }
        return i == n
    }
}
