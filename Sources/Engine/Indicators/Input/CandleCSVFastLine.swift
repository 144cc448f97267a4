import FastDecode

extension CandleCSVReader {
    /// One data line in its common form, read in a single pass over its bytes: every field up to
    /// the last one the layout needs is a plain decimal (``DecimalBytes/prefix(_:_:)``) ending
    /// right at its `,` or the line's end, the time field may also be any ``TimestampParser``
    /// text without spaces, tabs or quotes around it, and every value is sane.
    ///
    /// Returns the start of the next line (past its `\n`, or `end`) with the candle in `row`, or
    /// nil when the line is anything else – blank, quoted, spaced, short, an exponent, a bad or
    /// implausible value: then the general reader reads the line (and words its error), so both
    /// give the same candles.
    @inline(__always)
    static func fastLine(
        _ base: UnsafePointer<UInt8>, from start: Int, end: Int, _ plan: FastLinePlan, into row: inout FastRow
    ) -> Int? {
        var i = start
        var timestamp = 0.0
        var open = 0.0
        var high = 0.0
        var low = 0.0
        var close = 0.0
        var volume = 1000.0
        var field = 0
        var lineEnded = false
        while field <= plan.lastField {
            let role = plan.roles[field]
            if role == .time {
                if let (v, n) = DecimalBytes.prefix(base + i, end - i), i + n == end || isFieldEnd(base[i + n]) {
                    timestamp = v > 1e11 ? v / 1000 : v
                    i += n
                } else {
                    // A date (or an unusual number): its field's bytes, as the general reader trims them.
                    var j = i
                    while j < end && base[j] != UInt8(ascii: ",") && base[j] != 0x0A { j += 1 }
                    var e = j
                    if e < end && base[e] == 0x0A && e > i && base[e - 1] == 0x0D { e -= 1 }
                    guard e > i, !isPadding(base[i]), !isPadding(base[e - 1]),
                        let t = TimestampParser.parse(base + i, count: e - i)
                    else { return nil }
                    timestamp = t
                    i = e
                }
            } else if role == .skipped {
                while i < end && base[i] != UInt8(ascii: ",") && base[i] != 0x0A && base[i] != 0x0D { i += 1 }
            } else {
                guard let (v, n) = DecimalBytes.prefix(base + i, end - i) else { return nil }
                switch role {
                case .open: open = v
                case .high: high = v
                case .low: low = v
                case .close: close = v
                default: volume = v
                }
                i += n
            }
            // The field's end: `,` before the next field, or the line's end.
            if i == end {
                lineEnded = true
            } else if base[i] == UInt8(ascii: ",") {
                i += 1
            } else if base[i] == 0x0A {
                i += 1
                lineEnded = true
            } else if base[i] == 0x0D && (i + 1 == end || base[i + 1] == 0x0A) {
                i = i + 1 == end ? end : i + 2
                lineEnded = true
            } else {
                return nil
            }
            field += 1
            if lineEnded { break }
        }
        if field <= plan.lastRequired { return nil }  // short line: the general reader's error
        if !lineEnded {
            // Fields the layout does not read, up to the line's end.
            while i < end && base[i] != 0x0A { i += 1 }
            if i < end { i += 1 }
        }
        guard MarketLimits.isSane(time: timestamp), MarketLimits.isSane(price: open),
            MarketLimits.isSane(price: high), MarketLimits.isSane(price: low), MarketLimits.isSane(price: close)
        else { return nil }
        row = FastRow(timestamp: timestamp, open: open, high: high, low: low, close: close, volume: volume)
        return i
    }

    /// Reads lines with ``fastLine(_:from:end:_:into:)`` from `start` until one is not in the
    /// common form, `stop` is reached or `sink` has no more room, appending their candles to
    /// `sink` in blocks (a small buffer of rows, copied into it every 512 lines). Returns where
    /// reading stopped and the number of lines read.
    static func fastLines<Sink: CandleSink>(
        _ base: UnsafePointer<UInt8>, from start: Int, stop: Int, end: Int, _ plan: FastLinePlan,
        into sink: inout Sink
    ) -> (next: Int, lines: Int) {
        let block = 512
        let staging = UnsafeMutablePointer<Double>.allocate(capacity: 6 * block)
        defer { staging.deallocate() }
        var i = start
        var lines = 0
        var filled = 0
        var room = sink.room
        var row = FastRow()
        while i != stop, room > 0, let next = fastLine(base, from: i, end: end, plan, into: &row) {
            staging[filled] = row.timestamp
            staging[block + filled] = row.open
            staging[2 * block + filled] = row.high
            staging[3 * block + filled] = row.low
            staging[4 * block + filled] = row.close
            staging[5 * block + filled] = row.volume
            filled += 1
            if filled == block {
                sink.append(block: staging, stride: block, count: filled)
                filled = 0
            }
            lines += 1
            room -= 1
            i = next
        }
        if filled > 0 { sink.append(block: staging, stride: block, count: filled) }
        return (i, lines)
    }

    /// `,`, `\n` or `\r`: where a plain time field may end.
    @inline(__always)
    private static func isFieldEnd(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ",") || c == 0x0A || c == 0x0D
    }

    /// Space, tab or double quote: what the general reader trims from a field.
    @inline(__always)
    private static func isPadding(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == UInt8(ascii: "\"")
    }
}

/// One candle read by ``CandleCSVReader/fastLine(_:from:end:_:into:)``.
struct FastRow {
    var timestamp = 0.0
    var open = 0.0
    var high = 0.0
    var low = 0.0
    var close = 0.0
    var volume = 0.0
}

/// What ``CandleCSVReader/fastLine(_:from:end:_:into:)`` reads in each field of a layout.
struct FastLinePlan {
    /// The meaning of one field.
    enum Role: UInt8 {
        case time, open, high, low, close, volume, skipped
    }

    /// Roles of fields 0…lastField.
    var roles: [Role]
    /// The last field read (the volume's when it comes last).
    var lastField: Int
    /// The last field a line must have (time and prices).
    var lastRequired: Int

    init(timestamp: Int, open: Int, high: Int, low: Int, close: Int, volume: Int?) {
        lastRequired = max(timestamp, open, high, low, close)
        lastField = max(lastRequired, volume ?? 0)
        roles = Array(repeating: .skipped, count: lastField + 1)
        roles[timestamp] = .time
        roles[open] = .open
        roles[high] = .high
        roles[low] = .low
        roles[close] = .close
        if let volume { roles[volume] = .volume }
    }
}
