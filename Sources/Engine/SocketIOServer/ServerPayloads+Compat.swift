import TextWriters

extension ServerPayloads {
    /// `backend_reconnected {timestamp, chrome_status}`: `chrome_status` is `"connected"` when
    /// the source is a connected Chrome, else `"disconnected"` (the original knew only Chrome).
    static func backendReconnected(_ s: SourceStatus) -> [UInt8] {
        var w = JSONWriter(capacity: 80)
        w.raw("{\"timestamp\":"); w.iso8601(millis: wallClock())
        w.raw(",\"chrome_status\":"); w.string(s.kind == .chrome && s.connected ? "connected" : "disconnected")
        w.raw("}")
        return w.bytes
    }
}
