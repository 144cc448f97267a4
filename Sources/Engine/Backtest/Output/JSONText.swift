import TextWriters

/// What the backtest's JSON needs from qflux's one JSON writer (TextWriters' `JSONWriter`).
///
/// Doubles in backtest results are written as Swift's `description` – `10000.0`, `0.1`, `1e-05` –
/// which is also how Python's `json.dumps` writes floats, so `--json` and the server's
/// `backtest_complete` keep the original tool's `"starting_balance": 10000.0`. (The writer's own
/// `number(_:)` writes integral doubles without the fraction, as qflux's market-data JSON does.)
extension JSONWriter {
    /// Appends text that is already JSON.
    package mutating func json(_ text: String) { raw(Array(text.utf8)) }

    /// Appends a double in Swift's `description` form (`null` when not finite), written digit by
    /// digit (``numberAsDescription(_:)``).
    package mutating func float(_ v: Double) { numberAsDescription(v) }

    /// Appends an integer.
    package mutating func int(_ v: Int) { integer(Int64(v)) }

    /// Appends `true` or `false`.
    package mutating func boolean(_ b: Bool) { b ? raw("true") : raw("false") }

    /// The text written so far.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// A double as backtest JSON: Swift's shortest round-trip `description`, `null` when not finite.
    package static func format(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    /// A JSON string literal for `s` (escaped by the writer).
    package static func quote(_ s: String) -> String {
        var w = JSONWriter(capacity: s.utf8.count + 2)
        w.string(s)
        return w.text
    }
}
