import Archive
import CSupport

/// The C shim's line parser alone, for attributing decode time between C and Swift.
enum ShimOnly {
    nonisolated(unsafe) static let parser = qf_parser_create(0)!

    static func parseAll(_ raw: UnsafeRawBufferPointer) -> Int {
        var frame = qf_frame()
        var ok = 0
        forEachLine(raw) { line, readable in
            if qf_parse_line(parser, line.baseAddress!.assumingMemoryBound(to: UInt8.self), line.count, readable, &frame) == QF_OK {
                ok += frame.payload.len
            }
        }
        return ok
    }
}
