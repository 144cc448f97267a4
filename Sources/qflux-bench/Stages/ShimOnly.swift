import Archive
import CDecodeShim

#if canImport(Glibc)
import Glibc
#endif

/// The C shim's line parser alone, for attributing decode time between C and Swift.
enum ShimOnly {
    nonisolated(unsafe) static let parser = qf_parser_create(0)!
    /// Set up as `MarketDecoder` sets up its parser: no CDP timestamp conversion.
    nonisolated(unsafe) static let decoderParser: OpaquePointer = {
        let p = qf_parser_create(0)!
        qf_parser_set_timestamps(p, 0)
        return p
    }()

    static func parseAll(_ raw: UnsafeRawBufferPointer) -> Int {
        var frame = qf_frame()
        var ok = 0
        forEachLine(raw) { line, readable in
            if qf_parse_line(
                parser, line.baseAddress!.assumingMemoryBound(to: UInt8.self), line.count, readable, &frame) == QF_OK
            {
                ok += frame.payload.len
            }
        }
        return ok
    }

    nonisolated(unsafe) static let payloadTicks = UnsafeMutablePointer<qf_tick>.allocate(capacity: 1 << 12)
    nonisolated(unsafe) static let payloadCandles = UnsafeMutablePointer<qf_candle>.allocate(capacity: 1 << 12)
    nonisolated(unsafe) static let payloadCharts = UnsafeMutablePointer<qf_chart>.allocate(capacity: 1 << 8)

    /// Everything `MarketDecoder` asks of the C shim for these lines, and nothing else: the line,
    /// then a received text frame's Socket.IO event array (`42[…]`, `45N-[…]`) or a binary frame
    /// as the attachment of the last header's kind. No Socket.IO state beyond that kind, no
    /// interning, no events. Returns the ticks parsed.
    static func parseAllWithPayloads(_ raw: UnsafeRawBufferPointer) -> Int {
        let parser = decoderParser
        var frame = qf_frame()
        var payload = qf_payload()
        payload.ticks = payloadTicks
        payload.ticks_cap = 1 << 12
        payload.candles = payloadCandles
        payload.candles_cap = 1 << 12
        payload.charts = payloadCharts
        payload.charts_cap = 1 << 8
        var pendingKind = Int32(QF_EVENT_UNKNOWN.rawValue)
        var ticks = 0
        forEachLine(raw) { line, readable in
            guard
                qf_parse_line(
                    parser, line.baseAddress!.assumingMemoryBound(to: UInt8.self), line.count, readable, &frame)
                    == QF_OK,
                frame.method == Int32(QF_METHOD_FRAME_RECEIVED.rawValue), let data = frame.payload.ptr,
                frame.payload.len > 0
            else { return }
            let count = frame.payload.len
            if frame.opcode == 1 {
                guard let open = memchr(data, Int32(UInt8(ascii: "[")), count) else { return }
                let start = UnsafeRawPointer(open).assumingMemoryBound(to: UInt8.self)
                if qf_parse_event(parser, start, count - (start - data), &payload) == QF_OK {
                    pendingKind = payload.kind
                    ticks += payload.n_ticks
                }
            } else if frame.opcode == 2 {
                let skip = data[0] == 4 ? 1 : 0
                if qf_parse_payload(parser, pendingKind, data + skip, count - skip, &payload) == QF_OK {
                    ticks += payload.n_ticks
                }
            }
        }
        return ticks
    }
}
