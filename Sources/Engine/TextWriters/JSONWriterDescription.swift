extension JSONWriter {
    /// Appends a double as Swift's `description` writes it (`10000.0`, `0.1`, `1e-05`, `-0.0`;
    /// `null` when not finite) – the form of Python's `json.dumps` for floats, which the backtest's
    /// JSON keeps – without building a String (``DecimalWriter/writeDescription(_:at:)``).
    package mutating func numberAsDescription(_ value: Double) {
        var d = decimals
        Self.append(to: &storage, maxLength: DecimalWriter.maxLength) { d.writeDescription(value, at: &$0) }
        decimals = d
    }
}

extension DecimalWriter {
    /// Writes `v` at `p` as Swift's `description` writes it: `null` when not finite, whole
    /// numbers below 10^15 as `N.0`, others as their shortest round-trip digits (``write(_:at:)``).
    /// At most ``maxLength`` bytes. What ``JSONWriter/numberAsDescription(_:)`` appends, for
    /// writers that hold a pointer (the backtest JSON's rows).
    @inlinable
    package mutating func writeDescription(_ v: Double, at p: inout UnsafeMutablePointer<UInt8>) {
        guard v.isFinite else {
            for b in "null".utf8 {
                p.pointee = b
                p += 1
            }
            return
        }
        if v == v.rounded(.towardZero), abs(v) < 1e15, v != 0 || v.sign == .plus {
            Self.writeScaled(Int64(v), 0, at: &p)
            p[0] = UInt8(ascii: ".")
            p[1] = UInt8(ascii: "0")
            p += 2
        } else {
            write(v, at: &p)
        }
    }
}
