internal import CDecodeShim

/// Owner of one C `qf_parser` (simdjson parsers and scratch buffers) and the result buffers the
/// shim fills. Lives on one thread (its decoder's). Every use of the shim's C structures happens
/// in this file.
final class ShimParser {
    private let parser: OpaquePointer
    @exclusivity(unchecked) var frame = qf_frame()
    @exclusivity(unchecked) var payload = qf_payload()
    private(set) var ticks: UnsafeMutablePointer<qf_tick>
    private(set) var candles: UnsafeMutablePointer<qf_candle>
    private(set) var charts: UnsafeMutablePointer<qf_chart>
    private(set) var payouts: UnsafeMutablePointer<qf_payout>

    init(maxBytes: Int) throws(DecodeError) {
        guard let p = qf_parser_create(maxBytes) else { throw DecodeError(.outOfMemory) }
        // The decoder never reads the CDP timestamp (ticks carry the broker's own times): the
        // shim only checks it is a number and saves converting two 17-digit decimals per tick.
        qf_parser_set_timestamps(p, 0)
        parser = p
        ticks = .allocate(capacity: 64)
        candles = .allocate(capacity: 64)
        charts = .allocate(capacity: 8)
        payouts = .allocate(capacity: 256)
        payload.ticks = ticks
        payload.ticks_cap = 64
        payload.candles = candles
        payload.candles_cap = 64
        payload.charts = charts
        payload.charts_cap = 8
        payload.payouts = payouts
        payload.payouts_cap = 256
    }

    deinit {
        qf_parser_destroy(parser)
        ticks.deallocate()
        candles.deallocate()
        charts.deallocate()
        payouts.deallocate()
    }

    /// Parses one line into `frame`.
    func parseLine(_ line: UnsafeRawBufferPointer, readable: Int) -> qf_status {
        let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return qf_parse_line(parser, base, line.count, max(readable, line.count), &frame)
    }

    /// Parses a Socket.IO event array into `payload`, growing result buffers as needed.
    func parseEvent(_ data: UnsafeRawBufferPointer) -> qf_status {
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var status = qf_parse_event(parser, base, data.count, &payload)
        if status == QF_E_CAPACITY {
            growToNeeded()
            status = qf_parse_event(parser, base, data.count, &payload)
        }
        return status
    }

    /// Parses a binary attachment of `kind` (or by shape) into `payload`.
    func parsePayload(kind: Int32, _ data: UnsafeRawBufferPointer) -> qf_status {
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var status = qf_parse_payload(parser, kind, base, data.count, &payload)
        if status == QF_E_CAPACITY {
            growToNeeded()
            status = qf_parse_payload(parser, kind, base, data.count, &payload)
        }
        return status
    }

    private func growToNeeded() {
        if payload.ticks_needed > payload.ticks_cap {
            let n = Int(payload.ticks_needed).nextPowerOfTwo
            ticks.deallocate()
            ticks = .allocate(capacity: n)
            payload.ticks = ticks
            payload.ticks_cap = n
        }
        if payload.candles_needed > payload.candles_cap {
            let n = Int(payload.candles_needed).nextPowerOfTwo
            candles.deallocate()
            candles = .allocate(capacity: n)
            payload.candles = candles
            payload.candles_cap = n
        }
        if payload.charts_needed > payload.charts_cap {
            let n = Int(payload.charts_needed).nextPowerOfTwo
            charts.deallocate()
            charts = .allocate(capacity: n)
            payload.charts = charts
            payload.charts_cap = n
        }
        if payload.payouts_needed > payload.payouts_cap {
            let n = Int(payload.payouts_needed).nextPowerOfTwo
            payouts.deallocate()
            payouts = .allocate(capacity: n)
            payload.payouts = payouts
            payload.payouts_cap = n
        }
    }
}

extension Int {
    var nextPowerOfTwo: Int {
        var n = 1
        while n < self { n <<= 1 }
        return n
    }
}

extension qf_bytes {
    /// The bytes as a raw buffer (empty when NULL).
    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: ptr, count: ptr == nil ? 0 : len) }
}
