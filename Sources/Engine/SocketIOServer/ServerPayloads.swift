import Candles
import FastDecode
import Foundation
import TextWriters

/// The JSON payloads of the server's events (see docs/server-protocol.md).
enum ServerPayloads {
    /// One candle as the original sent it; `date` is the candle start in Python's `isoformat()`
    /// form (`2025-10-15T14:32:00+00:00`), which Python before 3.11 parses (a `Z` it does not).
    static func candle(_ c: Candle, asset: String, into w: inout JSONWriter) {
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(c.timeframe.description)
        w.raw(",\"timestamp\":"); w.integer(c.start)
        w.raw(",\"open\":"); w.number(c.open)
        w.raw(",\"high\":"); w.number(c.high)
        w.raw(",\"low\":"); w.number(c.low)
        w.raw(",\"close\":"); w.number(c.close)
        w.raw(",\"volume\":"); w.integer(c.ticks)
        w.raw(",\"date\":"); w.iso8601UTCOffset(seconds: c.start)
        w.raw("}")
    }

    /// `42["candle_update",{…}]`
    static func candleUpdateFrame(_ c: Candle, asset: String) -> [UInt8] {
        var w = JSONWriter(capacity: 220)
        w.raw("42[\"candle_update\",")
        candle(c, asset: asset, into: &w)
        w.raw("]")
        return w.bytes
    }

    static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `{"asset":…,"timestamp":…}` (asset `null` when nil).
    static func assetStamp(_ asset: String?) -> [UInt8] {
        var w = JSONWriter(capacity: 80)
        w.raw("{\"asset\":")
        if let asset { w.string(asset) } else { w.raw("null") }
        w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock())
        w.raw("}")
        return w.bytes
    }

    /// `{"asset":…,"timestamp":…[,"notice":…]}`: `stream_started` / `asset_changed` to the client
    /// that set the focus (`notice`: why candles may not come yet).
    static func focusReply(_ asset: String?, notice: String?) -> [UInt8] {
        var w = JSONWriter(capacity: 96 + (notice?.utf8.count ?? 0))
        w.raw("{\"asset\":")
        if let asset { w.string(asset) } else { w.raw("null") }
        w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock())
        if let notice { w.raw(",\"notice\":"); w.string(notice) }
        w.raw("}")
        return w.bytes
    }

    /// `{"source":…,"timestamp":…}` (`chrome_reconnected`).
    static func reconnected(_ kind: SourceStatus.Kind) -> [UInt8] {
        var w = JSONWriter(capacity: 64)
        w.raw("{\"source\":"); w.string(kind.rawValue)
        w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock()); w.raw("}")
        return w.bytes
    }

    /// `{"timestamp":…}`
    static func stamp() -> [UInt8] {
        var w = JSONWriter(capacity: 48)
        w.raw("{\"timestamp\":"); w.iso8601(millis: wallClock()); w.raw("}")
        return w.bytes
    }

    /// `{"error":…[,"timestamp":…]}`
    static func error(_ message: String, timestamp: Bool) -> [UInt8] {
        var w = JSONWriter(capacity: 80)
        w.raw("{\"error\":"); w.string(message)
        if timestamp { w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock()) }
        w.raw("}")
        return w.bytes
    }

    static func connectionStatus(_ s: SourceStatus) -> [UInt8] {
        var w = JSONWriter(capacity: 120)
        w.raw("{\"status\":\"connected\",\"chrome\":")
        w.string(s.kind == .chrome && s.connected ? "connected" : "not connected")
        w.raw(",\"source\":"); w.string(s.kind.rawValue)
        w.raw(",\"source_connected\":"); w.raw(s.connected ? "true" : "false")
        w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock())
        w.raw("}")
        return w.bytes
    }

    static func stringList(_ key: String, _ items: [String]) -> [UInt8] {
        var w = JSONWriter(capacity: 32 + items.count * 16)
        w.raw("{"); w.string(key); w.raw(":[")
        for (i, s) in items.enumerated() {
            if i > 0 { w.comma() }
            w.string(s)
        }
        w.raw("]}")
        return w.bytes
    }

    static func history(asset: String, timeframe: Timeframe, _ h: CandleHistory) -> [UInt8] {
        var w = JSONWriter(capacity: 128 + h.candles.count * 200)
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(timeframe.description)
        w.raw(",\"candles\":[")
        for (i, c) in h.candles.enumerated() {
            if i > 0 { w.comma() }
            candle(c, asset: asset, into: &w)
        }
        w.raw("],\"count\":"); w.integer(h.candles.count)
        w.raw(",\"source\":"); w.string(h.source)
        w.raw(",\"timestamp\":"); w.iso8601(millis: wallClock())
        w.raw("}")
        return w.bytes
    }

    static func availableData(_ files: [AvailableFile]) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + files.count * 120)
        w.raw("{\"files\":[")
        for (i, f) in files.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"filename\":"); w.string(f.filename)
            w.raw(",\"asset\":"); w.string(f.asset)
            w.raw(",\"timeframe\":"); w.string(f.timeframe)
            w.raw(",\"path\":"); w.string(f.path)
            w.raw("}")
        }
        w.raw("]}")
        return w.bytes
    }
}

/// The `subscribed` payload: what was added, what was not and why.
struct SubscriptionReply {
    var assets: [String]
    var timeframes: [String]
    var unknownAssets: [String]
    /// Not timeframes, and timeframes the engine does not form.
    var unknownTimeframes: [String]
    /// The timeframes the engine forms (nil: not known; the member is left out).
    var formed: [String]?
    /// Asset × timeframe pairs over the per-client limit.
    var refused: [(asset: String, timeframe: String)] = []
    /// Everything above in one sentence (nil: all accepted; the member is left out).
    var error: String?

    init(assets: [String], timeframes: [String], unknownAssets: [String], unknownTimeframes: [String]) {
        self.assets = assets
        self.timeframes = timeframes
        self.unknownAssets = unknownAssets
        self.unknownTimeframes = unknownTimeframes
    }

    func json() -> [UInt8] {
        var w = JSONWriter(capacity: 160 + assets.count * 16 + refused.count * 40)
        func list(_ items: [String]) {
            w.raw("[")
            for (i, x) in items.enumerated() {
                if i > 0 { w.comma() }
                w.string(x)
            }
            w.raw("]")
        }
        w.raw("{\"assets\":"); list(assets)
        w.raw(",\"timeframes\":"); list(timeframes)
        w.raw(",\"unknown_assets\":"); list(unknownAssets)
        w.raw(",\"unknown_timeframes\":"); list(unknownTimeframes)
        if let formed { w.raw(",\"formed_timeframes\":"); list(formed) }
        if !refused.isEmpty {
            w.raw(",\"refused\":[")
            for (i, r) in refused.enumerated() {
                if i > 0 { w.comma() }
                w.raw("{\"asset\":"); w.string(r.asset); w.raw(",\"timeframe\":"); w.string(r.timeframe); w.raw("}")
            }
            w.raw("]")
        }
        if let error { w.raw(",\"error\":"); w.string(error) }
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }
}
