/// Builds JSON lines into a reusable byte buffer: the output format of `qflux decode`,
/// `qflux replay` and `qflux export --format jsonl`. Doubles are written in their shortest
/// round-trip form, so a price reads back as exactly the Double that was decoded.
public struct JSONLineWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Forgets the bytes written (keeps the capacity).
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Appends raw ASCII/UTF-8 text.
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a JSON string literal (quoted and escaped).
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a number in shortest round-trip form (`null` for NaN or infinity).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Appends an integer.
    public mutating func integer(_ value: Int64) {
        if value == 0 { return bytes.append(UInt8(ascii: "0")) }
        var v = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
    }

    /// Appends `"key":`.
    public mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    /// Appends a newline.
    public mutating func newline() { bytes.append(0x0A) }

    /// Appends a candle line (with newline) in the format shared by `qflux replay --print candles`
    /// and `qflux export --format jsonl`:
    /// `{"type":"candle","asset":…,"timeframe":60,"time":<start>,"open":…,"high":…,"low":…,"close":…,"ticks":N}`
    /// (`"revised":true` appended for a candle a late tick or history changed after it closed).
    public mutating func candle(asset: String, timeframe: Int, start: Int64, open: Double, high: Double, low: Double,
                                close: Double, ticks: Int, revised: Bool = false) {
        raw("{\"type\":\"candle\",\"asset\":"); string(asset)
        raw(",\"timeframe\":"); integer(Int64(timeframe))
        raw(",\"time\":"); integer(start)
        raw(",\"open\":"); number(open)
        raw(",\"high\":"); number(high)
        raw(",\"low\":"); number(low)
        raw(",\"close\":"); number(close)
        raw(",\"ticks\":"); integer(Int64(ticks))
        if revised { raw(",\"revised\":true") }
        raw("}")
        newline()
    }

    /// Appends one decoded event as a JSON object (no newline). Socket events are written as
    /// `{"type":"socket_opened","socket":N}` / `socket_closed`.
    public mutating func event(_ event: DecodedEvent, assets: AssetDirectory) {
        switch event {
        case let .tick(t):
            raw("{\"type\":\"tick\",\"asset\":")
            string(assets.name(of: t.asset))
            raw(",\"time\":"); number(t.time)
            raw(",\"price\":"); number(t.price)
            raw("}")
        case let .history(h):
            raw("{\"type\":\"history\",\"source\":")
            string(h.source.rawValue)
            raw(",\"asset\":"); string(assets.name(of: h.asset))
            raw(",\"period\":")
            if let p = h.period { integer(Int64(p)) } else { raw("null") }
            raw(",\"ticks\":[")
            for (i, p) in h.ticks.enumerated() {
                if i > 0 { raw(",") }
                raw("["); number(p.time); raw(","); number(p.price); raw("]")
            }
            raw("],\"candles\":[")
            for (i, c) in h.candles.enumerated() {
                if i > 0 { raw(",") }
                raw("{\"time\":"); number(c.time)
                raw(",\"open\":"); number(c.open)
                raw(",\"high\":"); number(c.high)
                raw(",\"low\":"); number(c.low)
                raw(",\"close\":"); number(c.close)
                if let v = c.volume { raw(",\"volume\":"); number(v) }
                raw("}")
            }
            raw("]}")
        case let .chart(c):
            raw("{\"type\":\"chart\",\"asset\":")
            string(assets.name(of: c.asset))
            raw(",\"chartPeriod\":")
            if let p = c.chartPeriod { integer(Int64(p)) } else { raw("null") }
            if let f = c.fastTimeframe { raw(",\"fastTimeframe\":"); integer(Int64(f)) }
            raw("}")
        case let .socketOpened(s):
            raw("{\"type\":\"socket_opened\",\"socket\":"); integer(Int64(s.index)); raw("}")
        case let .socketClosed(s):
            raw("{\"type\":\"socket_closed\",\"socket\":"); integer(Int64(s.index)); raw("}")
        }
    }
}
