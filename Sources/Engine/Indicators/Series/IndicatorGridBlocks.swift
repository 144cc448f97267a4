import TextWriters

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the indicator writer (``IndicatorGrid/write(_:specs:format:rowsPerBlock:threads:to:)``)
/// formats rows with: the row layout of a format, and rows written at a pointer. A row's text
/// does not depend on the rows before it (``DecimalWriter``'s remembered scale only saves checks),
/// so blocks of rows can be formatted on any thread in any order.
extension IndicatorGrid {
    /// Threads the writer computes and formats blocks on: the processors online, at least 1, at
    /// most 8.
    package static var writerThreads: Int {
        max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// What every row of a format needs: the header, JSON keys, an upper bound of a row's bytes.
    struct RowLayout: Sendable {
        let format: Format
        let width: Int
        let head: [UInt8]
        /// `,"<column>":` per column (JSON lines).
        let keys: [[UInt8]]
        let rowMax: Int

        /// `{"timestamp":`
        static let prefix: [UInt8] = Array("{\"timestamp\":".utf8)

        init(columns: [String], format: Format) {
            self.format = format
            width = columns.count
            var keys: [[UInt8]] = []
            switch format {
            case .csv:
                head = Array(("timestamp," + columns.joined(separator: ",") + "\n").utf8)
            case .jsonl:
                head = []
                for name in columns {
                    var w = JSONWriter()
                    w.comma()
                    w.string(name)
                    w.raw(":")
                    keys.append(w.bytes)
                }
            }
            self.keys = keys
            rowMax = Self.prefix.count + (width + 1) * (DecimalWriter.maxLength + 8) + keys.reduce(0) { $0 + $1.count }
        }
    }

    /// Writes rows `rows` at `p` (room for `rows.count * layout.rowMax` bytes) and returns the
    /// end of the text: row `r` is `times[r]` and `values[r * layout.width ..< (r + 1) *
    /// layout.width]` (`values` may be nil only when there are no columns).
    static func format(
        times: UnsafePointer<Double>, values: UnsafePointer<Double>?, rows: Range<Int>, layout: RowLayout,
        at start: UnsafeMutablePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        var p = start
        var numbers = DecimalWriter()
        let width = layout.width
        for r in rows {
            let row = values.map { $0 + r * width }
            switch layout.format {
            case .csv:
                csvNumber(times[r], &numbers, at: &p)
                for k in 0..<width {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                    csvNumber(row![k], &numbers, at: &p)
                }
            case .jsonl:
                RowLayout.prefix.withUnsafeBufferPointer { b in
                    p.update(from: b.baseAddress!, count: b.count)
                    p += b.count
                }
                jsonNumber(times[r], &numbers, at: &p)
                for k in 0..<width {
                    layout.keys[k].withUnsafeBufferPointer { b in
                        p.update(from: b.baseAddress!, count: b.count)
                        p += b.count
                    }
                    jsonNumber(row![k], &numbers, at: &p)
                }
                p.pointee = UInt8(ascii: "}")
                p += 1
            }
            p.pointee = 0x0A
            p += 1
        }
        return p
    }
}
