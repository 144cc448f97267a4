extension JSONWriter {
    /// Appends a double as Swift's `description` writes it (`10000.0`, `0.1`, `1e-05`, `-0.0`;
    /// `null` when not finite) – the form of Python's `json.dumps` for floats, which the backtest's
    /// JSON keeps – without building a String for whole numbers below 10^15 and for values with
    /// at most 15 significant digits (``DecimalWriter``).
    package mutating func numberAsDescription(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        if value == value.rounded(.towardZero), abs(value) < 1e15, value != 0 || value.sign == .plus {
            integer(Int64(value))
            raw(".0")
        } else {
            var d = decimals
            Self.append(to: &storage, maxLength: DecimalWriter.maxLength) { d.write(value, at: &$0) }
            decimals = d
        }
    }
}
