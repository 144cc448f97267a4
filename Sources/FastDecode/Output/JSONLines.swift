import TextWriters

/// The JSON-lines formats of `qflux decode`, `qflux replay` and `qflux export --format jsonl`,
/// written with the one ``JSONWriter``.
extension JSONWriter {
    /// Appends a candle line (with newline) in the format shared by `qflux replay --print candles`
    /// and `qflux export --format jsonl`:
    /// `{"type":"candle","asset":…,"timeframe":60,"time":<start>,"open":…,"high":…,"low":…,"close":…,"ticks":N}`
    /// (`"revised":true` appended for a candle a late tick or history changed after it closed).
    public mutating func candle(
        asset: String, timeframe: Int, start: Int64, open: Double, high: Double, low: Double,
        close: Double, ticks: Int, revised: Bool = false
    ) {
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

    /// Appends a tick as `{"type":"tick","asset":…,"time":…,"price":…}` (no newline): the tick
    /// line of `qflux decode` and `qflux export --format jsonl`.
    package mutating func tick(asset: String, time: Double, price: Double) {
        raw("{\"type\":\"tick\",\"asset\":"); string(asset)
        raw(",\"time\":"); number(time)
        raw(",\"price\":"); number(price)
        raw("}")
    }

    /// Appends one decoded event as a JSON object (no newline). Socket events are written as
    /// `{"type":"socket_opened","socket":N}` / `socket_closed`.
    public mutating func event(_ event: DecodedEvent, assets: AssetDirectory) {
        switch event {
        case let .tick(t):
            tick(asset: assets.name(of: t.asset), time: t.time, price: t.price)
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
        case let .payouts(p):
            raw("{\"type\":\"payouts\",\"time\":")
            if let t = p.time { number(t) } else { raw("null") }
            raw(",\"payouts\":[")
            for (i, row) in p.payouts.enumerated() {
                raw(i == 0 ? "{\"asset\":" : ",{\"asset\":")
                string(assets.name(of: row.asset))
                raw(",\"payout\":")
                number(row.percent)
                raw("}")
            }
            raw("]}")
        case let .socketOpened(s):
            raw("{\"type\":\"socket_opened\",\"socket\":"); integer(Int64(s.index)); raw("}")
        case let .socketClosed(s):
            raw("{\"type\":\"socket_closed\",\"socket\":"); integer(Int64(s.index)); raw("}")
        }
    }
}
