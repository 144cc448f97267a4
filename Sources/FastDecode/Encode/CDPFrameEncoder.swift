/// Writes broker WebSocket frames as Chrome would report them: raw CDP
/// `Network.webSocketFrameReceived` events, or the same wrapped as Selenium performance-log
/// entries. Used by the demo source, the benchmark corpus and the tests: the bytes it writes go
/// through the same decoder as Chrome's.
public struct CDPFrameEncoder {
    /// The outer form of each line.
    public enum Form: Sendable {
        /// `{"method":"Network.webSocketFrameReceived","params":{…}}`
        case cdp
        /// `{"level":"INFO","message":"{\"message\":{…},\"webview\":\"…\"}","timestamp":…}`
        case perfLog
    }

    /// The outer form written.
    public var form: Form
    private var scratch: [UInt8] = []
    private var payload: [UInt8] = []

    /// An encoder for `form`.
    public init(form: Form = .cdp) { self.form = form }

    /// Appends one frame event line (with newline) to `out`.
    /// - Parameters:
    ///   - opcode: 1 for text (payload is UTF-8 text), 2 for binary (payload is base64-encoded).
    public mutating func frame(
        requestId: String, timestamp: Double, opcode: Int, payload bytes: some Collection<UInt8>,
        method: String = "Network.webSocketFrameReceived", into out: inout [UInt8]
    ) {
        scratch.removeAll(keepingCapacity: true)
        payload.removeAll(keepingCapacity: true)
        if opcode == 1 {
            payload.append(contentsOf: bytes)
        } else {
            Base64.encode(bytes, into: &payload)
        }
        append(
            &scratch,
            "{\"method\":\"\(method)\",\"params\":{\"requestId\":\"\(requestId)\",\"timestamp\":\(timestamp),\"response\":{\"opcode\":\(opcode),\"mask\":false,\"payloadData\":"
        )
        Self.appendJSONString(payload, to: &scratch)
        append(&scratch, "}}}")
        writeLine(scratch, into: &out)
    }

    /// Appends any CDP event object given as JSON text (with newline) in this encoder's form.
    public mutating func event(json: String, into out: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: json.utf8)
        writeLine(scratch, into: &out)
    }

    /// Appends `42["updateStream",…]`-style ticks the way PocketOption sends them: a binary
    /// event header `451-["updateStream",{"_placeholder":true,"num":0}]` and a binary frame
    /// `[[asset,time,price],…]`.
    public mutating func updateStream(
        requestId: String, timestamp: Double, ticks: [(asset: String, time: Double, price: Double)],
        into out: inout [UInt8]
    ) {
        frame(
            requestId: requestId, timestamp: timestamp, opcode: 1,
            payload: Array("451-[\"updateStream\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        var body = "["
        for (i, t) in ticks.enumerated() {
            if i > 0 { body += "," }
            body += "[\(Self.jsonString(t.asset)),\(t.time),\(t.price)]"
        }
        body += "]"
        frame(requestId: requestId, timestamp: timestamp + 0.0001, opcode: 2, payload: Array(body.utf8), into: &out)
    }

    private func writeLine(_ cdp: [UInt8], into out: inout [UInt8]) {
        switch form {
        case .cdp:
            out.append(contentsOf: cdp)
        case .perfLog:
            var inner: [UInt8] = Array("{\"message\":".utf8)
            inner.append(contentsOf: cdp)
            inner.append(contentsOf: ",\"webview\":\"5A1C0FFEE0DDBA11C0FFEE0DDBA11C0F\"}".utf8)
            append(&out, "{\"level\": \"INFO\", \"message\": ")
            Self.appendJSONString(inner, to: &out)
            append(&out, ", \"timestamp\": 1756859615126}")
        }
        out.append(0x0A)
    }

    private func append(_ out: inout [UInt8], _ text: String) { out.append(contentsOf: text.utf8) }

    /// A JSON string literal for `text`.
    public static func jsonString(_ text: String) -> String {
        var out: [UInt8] = []
        appendJSONString(Array(text.utf8), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` as a quoted, escaped JSON string.
    public static func appendJSONString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
