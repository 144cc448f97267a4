import TextWriters

/// The backtest JSON's trades and equity curve (epoch-second timestamps) written straight into
/// one buffer sized for them up front, a row at a time through a pointer: the bytes of
/// ``BacktestJSON/bytes(_:timestamps:extended:skippedRecords:reserving:)``'s writer path
/// (`JSONWriter`'s `float`, `string`, `boolean`), without an array append per key and number.
enum BacktestJSONRows {
    /// Bytes a trade's row takes at most: its keys and punctuation (95) and five numbers.
    static let tradeBytes = 96 + 5 * numberBytes
    /// Bytes an equity point's row takes at most.
    static let equityBytes = 32 + 2 * numberBytes
    /// Bytes a number takes at most (``DecimalWriter/maxLength``).
    static let numberBytes = DecimalWriter.maxLength

    /// `{"trades":[…],"equity_curve":[…]` of `result` (what comes before `,"statistics":`), with
    /// room for `extra` more bytes after it.
    static func bytes(_ result: BacktestResult, reserving extra: Int) -> [UInt8] {
        let bound = 64 + result.trades.count * tradeBytes + result.equityCurve.count * equityBytes
        return [UInt8](unsafeUninitializedCapacity: bound + max(0, extra)) { buffer, initialized in
            let start = buffer.baseAddress!
            var p = start
            var numbers = DecimalWriter()
            put("{\"trades\":[", &p)
            for (i, t) in result.trades.enumerated() {
                if i > 0 { put(",", &p) }
                put("{\"timestamp\":", &p)
                number(t.timestamp, &numbers, &p)
                put(t.signal == .call ? ",\"signal\":\"call\"" : ",\"signal\":\"put\"", &p)
                put(",\"entry_price\":", &p)
                number(t.entryPrice, &numbers, &p)
                put(",\"exit_price\":", &p)
                number(t.exitPrice, &numbers, &p)
                put(t.won ? ",\"won\":true" : ",\"won\":false", &p)
                put(",\"profit\":", &p)
                number(t.profit, &numbers, &p)
                put(",\"balance\":", &p)
                number(t.balance, &numbers, &p)
                put("}", &p)
            }
            put("],\"equity_curve\":[", &p)
            for (i, e) in result.equityCurve.enumerated() {
                if i > 0 { put(",", &p) }
                put("{\"timestamp\":", &p)
                number(e.timestamp, &numbers, &p)
                put(",\"balance\":", &p)
                number(e.balance, &numbers, &p)
                put("}", &p)
            }
            put("]", &p)
            initialized = start.distance(to: p)
        }
    }

    /// Writes `text` at `p`.
    @inline(__always)
    private static func put(_ text: StaticString, _ p: inout UnsafeMutablePointer<UInt8>) {
        let n = text.utf8CodeUnitCount
        p.update(from: text.utf8Start, count: n)
        p += n
    }

    /// ``DecimalWriter/writeDescription(_:at:)``: what `JSONWriter`'s `float` writes.
    @inline(__always)
    private static func number(_ v: Double, _ numbers: inout DecimalWriter, _ p: inout UnsafeMutablePointer<UInt8>) {
        numbers.writeDescription(v, at: &p)
    }
}
