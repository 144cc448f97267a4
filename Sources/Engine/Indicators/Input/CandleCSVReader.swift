import FastDecode

/// Reads candle CSV from bytes in one pass into columns: the rules of ``CandleCSV`` (its
/// documentation lists them) without a String, Character or Substring per field. Lines and
/// fields are byte ranges; numbers go through ``DecimalBytes`` (the same Double as `Double(_:)`),
/// times through ``TimestampParser/parse(_:count:)``. Only a header line and an error's message
/// are made into text.
///
/// Lines end at `\n`; one `\r` before it is dropped (CRLF files). Fields are split at every `,`
/// and trimmed of spaces, tabs and double quotes (quoted fields without commas inside).
package enum CandleCSVReader {
    /// Column positions of one file.
    struct Layout {
        var timestamp: Int
        var open: Int
        var high: Int
        var low: Int
        var close: Int
        var volume: Int?

        /// The original tool's order `timestamp,open,close,high,low,volume`.
        static let original = Layout(timestamp: 0, open: 1, high: 3, low: 4, close: 2, volume: 5)
    }

    /// Reads the candles of CSV `bytes` (in file order). From `splitAbove` bytes on, another
    /// thread reads the second half (``CandleCSVSecondHalf``) straight into the final columns:
    /// the same candles and errors.
    package static func read(
        _ bytes: UnsafeRawBufferPointer, splitAbove: Int = CandleCSVSecondHalf.minimumBytes
    ) throws(CandleCSVError) -> CandleColumns {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            return CandleColumns()
        }
        let end = bytes.count
        if end >= splitAbove {
            // The final columns made up front, at the size the first lines suggest; nil when the
            // document holds more candles than that (then read again into growing columns).
            let estimate = estimatedLines(base, from: 0, end: end, total: end) + 64
            let columns = try CandleColumns.filling(capacity: estimate) { slots throws(CandleCSVError) -> Int? in
                var sink = slots
                try read(base, end: end, splitAbove: splitAbove, into: &sink)
                return sink.overflowed ? nil : sink.count
            }
            if let columns { return columns }
        }
        var columns = CandleColumns()
        try read(base, end: end, splitAbove: Int.max, into: &columns)
        return columns
    }

    /// The in-memory reading into `sink`, with a second half on another thread from
    /// `splitAbove` bytes on (only into ``ColumnSlots``, whose room it shares).
    private static func read<Sink: CandleSink>(
        _ base: UnsafePointer<UInt8>, end: Int, splitAbove: Int, into sink: inout Sink
    ) throws(CandleCSVError) {
        var scan = Scan()
        var secondHalf: CandleCSVSecondHalf?
        // The second half's thread writes into the same columns: wait for it on every way out.
        defer { secondHalf?.join() }
        let slots = sink as? ColumnSlots
        var halfOffset = 0
        var i = 0
        while true {
            let reached = try scan.lines(
                base, from: i, end: end, final: true, stop: secondHalf?.start ?? -1, documentEnd: end, into: &sink
            ) { next, plan, rows in
                guard let slots, end - next >= splitAbove,
                    let start = CandleCSVSecondHalf.lineStart(base, after: next + (end - next) / 2, end: end)
                else { return }
                // Room for the first half's lines as estimated, then the second half's.
                halfOffset = rows + estimatedLines(base, from: next, end: end, total: start - next)
                secondHalf = CandleCSVSecondHalf(
                    base, start: start, end: end, plan: plan, into: slots.suffix(from: halfOffset))
            }
            if let half = secondHalf, let slots, reached == half.start {
                half.join()
                sink.share { $0.adopt(half.count, from: halfOffset, capacity: slots.capacity) }
                scan.lineNumber += half.lines
                i = half.stop
                secondHalf = nil
                continue
            }
            if reached == end { break }
            // The layout is known: keep below the second half's room.
            if secondHalf != nil { sink.share { $0.limit(to: halfOffset) } }
            i = reached
        }
    }

    /// A reading's state between windows of whole lines: the layout (from the header or the
    /// first row), the one-pass plan made from it, the line number, and one line's field ranges.
    struct Scan {
        private var layout: Layout?
        private(set) var plan: FastLinePlan?
        /// Lines read so far (the number of the last one).
        var lineNumber = 0
        // Trimmed field ranges of the current line, reused for every line.
        private var starts: [Int] = []
        private var ends: [Int] = []

        init() {
            starts.reserveCapacity(16)
            ends.reserveCapacity(16)
        }

        /// Reads the lines of `[from, end)` into `columns` and returns where it stopped: `end`,
        /// or `stop` (a line start, when ≥ 0) on reaching it. `from` is a line start; `end` is
        /// just past a `\n`, or the document's end when `final` (a last line without `\n`).
        /// When the first row fixes the layout, room is reserved for the lines up to
        /// `documentEnd` (a position in the same terms as `end`, for the estimate only),
        /// `planned(next, plan, rows)` is called with the start of the next line and the candles
        /// read so far, and the reading returns there (so the caller can give a new `stop`).
        mutating func lines<Sink: CandleSink>(
            _ base: UnsafePointer<UInt8>, from: Int, end: Int, final: Bool, stop: Int, documentEnd: Int,
            into columns: inout Sink, planned: (_ next: Int, _ plan: FastLinePlan, _ rows: Int) -> Void
        ) throws(CandleCSVError) -> Int {
            var lineStart = from
            var fieldStart = from
            var blank = true
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            var i = from
            while true {
                if i == lineStart {
                    if i == stop || (!final && i == end) { return i }
                    if let plan {
                        // Lines in the common form, one pass each (the general reader below takes
                        // the rest), up to `stop`.
                        let read = fastLines(base, from: i, stop: stop, end: end, plan, into: &columns)
                        lineNumber += read.lines
                        i = read.next
                        lineStart = i
                        fieldStart = i
                        if i == stop || (!final && i == end) { return i }
                    }
                }
                let atEnd = i == end
                let c: UInt8 = atEnd ? 0x0A : base[i]
                if c == UInt8(ascii: ",") {
                    appendField(base, fieldStart, i, &starts, &ends)
                    fieldStart = i + 1
                    blank = false
                } else if c == 0x0A {
                    lineNumber += 1
                    var lineEnd = i
                    if lineEnd > lineStart && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    if !blank {
                        appendField(base, fieldStart, lineEnd, &starts, &ends)
                        let planning = plan == nil
                        try line(base, lineStart, lineEnd, into: &columns)
                        if planning, let plan {
                            let next = atEnd ? end : i + 1
                            columns.reserve(more: estimatedLines(base, from: next, end: end, total: documentEnd - next))
                            planned(next, plan, columns.count)
                            // The caller may now stop at a second half's start.
                            return next
                        }
                    }
                    starts.removeAll(keepingCapacity: true)
                    ends.removeAll(keepingCapacity: true)
                    if atEnd { return end }
                    lineStart = i + 1
                    fieldStart = lineStart
                    blank = true
                } else if blank && c != 0x20 && c != 0x09 && !(c == 0x0D && (i + 1 == end || base[i + 1] == 0x0A)) {
                    blank = false
                }
                i += 1
            }
        }

        /// One non-blank line, its fields in `starts`/`ends`: the header, or a row.
        private mutating func line<Sink: CandleSink>(
            _ base: UnsafePointer<UInt8>, _ lineStart: Int, _ lineEnd: Int, into columns: inout Sink
        ) throws(CandleCSVError) {
            let number = lineNumber
            var layout = self.layout
            var wasRow = false
            try starts.withUnsafeBufferPointer { s throws(CandleCSVError) in
                try ends.withUnsafeBufferPointer { e throws(CandleCSVError) in
                    if layout == nil {
                        let first = e[0] - s[0]
                        if TimestampParser.parse(base + s[0], count: first) == nil {
                            layout = try header(base + lineStart, lineEnd - lineStart, line: number)
                            return
                        }
                        layout = .original
                    }
                    try row(base, s, e, layout!, line: number, into: &columns)
                    wasRow = true
                }
            }
            self.layout = layout
            // The plan after the first row, as the reader always made it.
            if plan == nil, wasRow, let l = layout {
                plan = FastLinePlan(
                    timestamp: l.timestamp, open: l.open, high: l.high, low: l.low, close: l.close, volume: l.volume)
            }
        }
    }

    /// About how many lines `total` bytes hold (a little more rather than less): their size
    /// over the mean length of the first lines of `[start, end)`.
    static func estimatedLines(_ base: UnsafePointer<UInt8>, from start: Int, end: Int, total: Int) -> Int {
        var i = start
        var lines = 0
        while i < end && lines < 64 {
            if base[i] == 0x0A { lines += 1 }
            i += 1
        }
        guard lines > 0, i > start else { return lines }
        return max(total, 0) / max((i - start) / lines, 1) * 9 / 8 + 16
    }

    @inline(__always)
    private static func isTrimmed(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == UInt8(ascii: "\"")
    }

    @inline(__always)
    private static func appendField(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ starts: inout [Int], _ ends: inout [Int]
    ) {
        var s = start
        var e = end
        while s < e && isTrimmed(base[s]) { s += 1 }
        while e > s && isTrimmed(base[e - 1]) { e -= 1 }
        starts.append(s)
        ends.append(e)
    }

    /// A header line: the columns by name (`time`/`date`/`datetime` = `timestamp`, any case; the
    /// first of a repeated name counts). Made into text: it happens once per file.
    private static func header(_ p: UnsafePointer<UInt8>, _ n: Int, line: Int) throws(CandleCSVError) -> Layout {
        var map: [String: Int] = [:]
        let text = DecimalBytes.text(p, n)
        for (i, raw) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            var f = raw
            while let c = f.first, c == " " || c == "\t" || c == "\"" { f.removeFirst() }
            while let c = f.last, c == " " || c == "\t" || c == "\"" { f.removeLast() }
            var name = f.lowercased()
            if name == "time" || name == "date" || name == "datetime" { name = "timestamp" }
            if ["timestamp", "open", "high", "low", "close", "volume"].contains(name) && map[name] == nil {
                map[name] = i
            }
        }
        for needed in ["timestamp", "open", "high", "low", "close"] where map[needed] == nil {
            throw CandleCSVError(
                line: line, "header has no \"\(needed)\" column (expected timestamp,open,close,high,low[,volume])")
        }
        return Layout(
            timestamp: map["timestamp"]!, open: map["open"]!, high: map["high"]!, low: map["low"]!,
            close: map["close"]!, volume: map["volume"])
    }

    /// One data line into `columns`; checks in the order the String reader made them (time,
    /// volume, open, high, low, close), so the first problem reported is the same.
    @inline(__always)
    private static func row<Sink: CandleSink>(
        _ base: UnsafePointer<UInt8>, _ s: UnsafeBufferPointer<Int>, _ e: UnsafeBufferPointer<Int>, _ layout: Layout,
        line: Int, into columns: inout Sink
    ) throws(CandleCSVError) {
        let count = s.count
        func field(_ i: Int) throws(CandleCSVError) -> (UnsafePointer<UInt8>, Int) {
            guard i < count else {
                throw CandleCSVError(line: line, "expected at least \(i + 1) fields, found \(count)")
            }
            return (base + s[i], e[i] - s[i])
        }
        func price(_ name: StaticString, _ i: Int) throws(CandleCSVError) -> Double {
            let (p, n) = try field(i)
            guard let v = DecimalBytes.double(p, n), v.isFinite else {
                throw CandleCSVError(line: line, "\(name) \"\(DecimalBytes.text(p, n))\" is not a number")
            }
            guard MarketLimits.isSane(price: v) else {
                throw CandleCSVError(line: line, "\(name) \"\(DecimalBytes.text(p, n))\" is not a plausible price")
            }
            return v
        }
        let (tp, tn) = try field(layout.timestamp)
        guard let timestamp = TimestampParser.parse(tp, count: tn) else {
            throw CandleCSVError(
                line: line,
                "timestamp \"\(DecimalBytes.text(tp, tn))\" is not a time (expected YYYY-mm-dd HH:MM:SS, ISO 8601 or epoch seconds)"
            )
        }
        guard MarketLimits.isSane(time: timestamp) else {
            throw CandleCSVError(
                line: line, "timestamp \"\(DecimalBytes.text(tp, tn))\" is not a plausible market time")
        }
        var volume = 1000.0
        if let vi = layout.volume, vi < count, e[vi] > s[vi] {
            let p = base + s[vi], n = e[vi] - s[vi]
            guard let v = DecimalBytes.double(p, n), v.isFinite else {
                throw CandleCSVError(line: line, "volume \"\(DecimalBytes.text(p, n))\" is not a number")
            }
            volume = v
        }
        let open = try price("open", layout.open)
        let high = try price("high", layout.high)
        let low = try price("low", layout.low)
        let close = try price("close", layout.close)
        columns.append(timestamp: timestamp, open: open, high: high, low: low, close: close, volume: volume)
    }
}
