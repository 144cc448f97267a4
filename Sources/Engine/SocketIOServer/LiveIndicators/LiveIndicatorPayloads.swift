import Candles
import FastDecode
import Indicators
import TextWriters

/// The JSON payloads of the live indicator events (docs/server-protocol.md, "Live indicators").
enum LiveIndicatorPayloads {
    /// `indicators_subscribed {asset, timeframe, indicators:[spec], outputs:[name], timestamp}`
    static func subscribed(asset: String, timeframe: Timeframe, stream: LiveIndicatorStream) -> [UInt8] {
        var w = JSONWriter(capacity: 128 + stream.outputs.count * 32)
        w.raw("{\"asset\":"); w.string(asset)
        w.raw(",\"timeframe\":"); w.string(timeframe.description)
        describe(stream, into: &w)
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }

    /// `indicators_unsubscribed {subscriptions:[{asset, timeframe, indicators, outputs}], timestamp}`
    static func remaining(_ streams: [LiveIndicatorStream], name: (UInt32) -> String) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + streams.count * 160)
        w.raw("{\"subscriptions\":[")
        for (i, s) in streams.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"asset\":"); w.string(name(s.pair.asset))
            w.raw(",\"timeframe\":"); w.string(Timeframe(seconds: s.pair.seconds).description)
            describe(s, into: &w)
            w.raw("}")
        }
        w.raw("],\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }

    /// `indicators_error {error, request:"subscribe_indicators", asset?, timeframe?, timestamp}`
    /// (`asset` and `timeframe` echo the request's when they are short strings).
    static func error(_ message: String, request: JSONValue?) -> [UInt8] {
        var w = JSONWriter(capacity: 160)
        w.raw("{\"error\":"); w.string(message)
        w.raw(",\"request\":\"subscribe_indicators\"")
        for key in ["asset", "timeframe"] {
            if let v = request?[key]?.stringValue, v.utf8.count <= 200 {
                w.comma(); w.string(key); w.raw(":"); w.string(v)
            }
        }
        w.raw(",\"timestamp\":"); w.iso8601(millis: ServerPayloads.wallClock()); w.raw("}")
        return w.bytes
    }

    private static func describe(_ s: LiveIndicatorStream, into w: inout JSONWriter) {
        w.raw(",\"indicators\":[")
        for (i, spec) in s.specs.enumerated() {
            if i > 0 { w.comma() }
            w.string(spec.text)
        }
        w.raw("],\"outputs\":[")
        for (i, name) in s.outputs.enumerated() {
            if i > 0 { w.comma() }
            w.string(name)
        }
        w.raw("]")
    }
}
