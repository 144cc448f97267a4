import CDecodeShim
import Foundation
import Testing

@testable import FastDecode

/// The hand-written fast paths (flat perf-log scan, CDP event scanner, tick-array parser) must
/// decide exactly as simdjson does: same events, same malformed counts.
@Suite("Fast paths agree with simdjson", .serialized)
struct FastPathEquivalenceTests {
    private func decodeBoth(_ lines: [[UInt8]]) -> (fast: ([String], DecodeStats), plain: ([String], DecodeStats)) {
        func run(_ fast: Bool) -> ([String], DecodeStats) {
            qf_decode_set_fast_paths(fast ? 1 : 0)
            defer { qf_decode_set_fast_paths(1) }
            let d = try! MarketDecoder()
            var events: [DecodedEvent] = []
            for line in lines { d.decode(line: line) { events.append($0) } }
            return (named(events, d.assets), d.stats)
        }
        return (run(true), run(false))
    }

    @Test("real captures, both forms", arguments: ["pocketoption-20250903_003350", "pocketoption-20250903_012215"])
    func captures(session: String) {
        for form in ["cdp", "perflog"] {
            let lines = Fixture.lines("\(session).\(form).jsonl").map { Array($0.utf8) }
            let r = decodeBoth(lines)
            #expect(r.fast.0 == r.plain.0)
            #expect(r.fast.1.malformedTotal == 0 && r.plain.1.malformedTotal == 0)
        }
    }

    @Test("truncated, mutated and reordered lines are judged the same way")
    func damagedLines() {
        var rng = SeededGenerator(seed: 99)
        let sample =
            Fixture.lines("pocketoption-20250903_003350.perflog.jsonl").prefix(40)
            + Fixture.lines("pocketoption-20250903_003350.cdp.jsonl").prefix(40)
        var lines: [[UInt8]] = []
        for line in sample {
            let bytes = Array(line.utf8)
            for cut in stride(from: 0, to: bytes.count, by: 7) { lines.append(Array(bytes[0..<cut])) }
            for _ in 0..<20 {
                var m = bytes
                m[Int.random(in: 0..<m.count, using: &rng)] = [
                    UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "}"),
                    UInt8(ascii: ","), 0x01, 0xC3, UInt8(ascii: "9"),
                ].randomElement(using: &rng)!
                lines.append(m)
            }
        }
        // Other shapes the scanners must hand over: whitespace, key order, arrays, escapes in keys.
        lines.append(
            Array(
                #"{ "method" : "Network.webSocketFrameReceived" , "params" : { "timestamp" : 1 , "response" : { "payloadData" : "2" , "opcode" : 1 } , "requestId" : "1.1" } }"#
                    .utf8))
        lines.append(
            Array(
                #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"extra":[1,2,{"a":"b"}],"response":{"opcode":1,"payloadData":"3"}}}"#
                    .utf8))
        lines.append(
            Array(
                #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":1.0,"payloadData":"3"}}}"#
                    .utf8))
        lines.append(Array(#"{"id":7,"result":{}}"#.utf8))
        lines.append(Array(#"{"id":7.5,"result":{}}"#.utf8))
        lines.append(
            Array(
                #"{"level":"INFO","timestamp":5,"message":"{\"message\":{\"method\":\"Network.webSocketClosed\",\"params\":{\"requestId\":\"1.1\",\"timestamp\":2}},\"webview\":\"x\"}"}"#
                    .utf8))
        lines.append(
            Array(
                #"{"level":"INFO","message":"{\"webview\":\"x\",\"message\":{\"method\":\"Network.webSocketFrameReceived\",\"params\":{\"requestId\":\"1.1\",\"timestamp\":2,\"response\":{\"opcode\":1,\"payloadData\":\"42[\\\"updateStream\\\",[[\\\"A\\\",1756866774.5,1.5]]]\"}}}}","timestamp":5}"#
                    .utf8))
        lines += Self.nearTemplateLines
        let r = decodeBoth(lines)
        #expect(r.fast.0 == r.plain.0)
        #expect(r.fast.1.ticks == r.plain.1.ticks)
        #expect(r.fast.1.malformedTotal == r.plain.1.malformedTotal)
    }

    /// Lines one step off Chrome's exact frame-event bytes (the template match_frame_event takes
    /// whole): each must land where simdjson puts it, through the template's own verdict or the
    /// general scanner after it.
    static let nearTemplateLines: [[UInt8]] = {
        func event(
            method: String = "Network.webSocketFrameReceived", timestamp: String = "1000.5", opcode: String = "1",
            mask: String = "false", payload: String = #"42[\"updateStream\",[[\"A\",1756866774.5,1.5]]]"#,
            tail: String = "}}}"
        ) -> String {
            #"{"method":"\#(method)","params":{"requestId":"1.1","timestamp":\#(timestamp),"response":{"opcode":\#(opcode),"mask":\#(mask),"payloadData":"\#(payload)""#
                + tail
        }
        /// The event as a Selenium perf-log entry, with `webview` and what follows it.
        func perfLog(_ event: String, webview: String = "ABC", after: String = "}") -> String {
            let message = #"{"message":\#(event),"webview":"\#(webview)"\#(after)"#
            let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            return #"{"level":"INFO","message":"\#(escaped)","timestamp":5}"#
        }
        let events = [
            event(),
            event(mask: "null"), event(mask: "true"), event(mask: "nul"),
            event(tail: #","opcode":2}}}"#), event(tail: "}} }"), event(tail: "}}"), event(tail: "}}}}"),
            event(tail: "}},\"x\":1}"),
            event(method: #"Network.webSocketFrame\u0052eceived"#), event(method: "Network.webSocketFrameSent"),
            event(timestamp: "1e3"), event(timestamp: "-0.5"), event(timestamp: "01"),
            event(timestamp: "1.2345678901234567"),
            event(timestamp: "1."), event(timestamp: "1.e3"), event(timestamp: "-inf"), event(timestamp: "1e"),
            event(timestamp: "-"),
            event(opcode: "-1"), event(opcode: "1.0"), event(opcode: "01"), event(opcode: "1e0"),
            event(opcode: "99999999999999999999"),
            event(payload: "a\u{01}b"), event(payload: #"a\/b"#), event(opcode: "2", payload: "W1siQSIsMS41LDEuNV1d"),
        ]
        var lines = events
        for e in events { lines.append(perfLog(e)) }
        lines += [
            perfLog(event(), webview: #"A\u0042C"#), perfLog(event(), after: #","extra":1}"#),
            perfLog(event(), after: "} "),
            perfLog(event(), webview: "A\u{01}B"),
        ]
        // The perf-log wrapper's own values (the flat scan takes numbers and literals by the JSON
        // grammar and leaves the rest to simdjson, which skips these values without validating
        // them: both accept `01` here; what must hold is that they agree).
        let closed = perfLog(#"{"method":"Network.webSocketClosed","params":{"requestId":"1.1","timestamp":2}}"#)
        for value in [
            "5", "01", "1.", "-0", "1e5", "+1", "truex", "nul", "null", "true", "1.5.5", "-inf", "1E+2", "0x1",
        ] {
            lines.append(closed.replacingOccurrences(of: #""timestamp":5}"#, with: #""timestamp":\#(value)}"#))
        }
        // The wrapper as the original tool wrote it (Python's json.dumps spacing), which
        // match_perflog_template takes as glue, and spellings one step off it.
        let message = String(perfLog(event()).dropFirst(#"{"level":"INFO","message":"#.count))
        let escapedMessage = String(message[..<message.range(of: #","timestamp":5}"#)!.lowerBound])
        for (level, timestamp, tail) in [
            ("INFO", "1756859615126", "}"), ("INFO", "5", "}"), ("INFO", "1.5e3", "}"), ("INFO", "01", "}"),
            ("INFO", "-", "}"), ("INFO", "1.", "}"), ("INFO", "5", "} "), ("INFO", "5", "}}"), ("INFO", "5", ""),
            ("INFO", "5", ", \"x\": 1}"), ("WARNING", "5", "}"), ("INFO", "null", "}"), ("INFO", "\"5\"", "}"),
        ] {
            lines.append(#"{"level": "\#(level)", "message": \#(escapedMessage), "timestamp": \#(timestamp)\#(tail)"#)
        }
        lines.append(#"{"level": "INFO", "message": \#(escapedMessage),"timestamp": 5}"#)
        lines.append(#"{"level": "INFO", "message": \#(escapedMessage.dropLast(2))", "timestamp": 5}"#)
        // Found by the line fuzzer's differential check: a control byte after a backslash in a
        // string the scanner skips (simdjson rejects the line), and a line with `id` and
        // `message` but no `method` (a perf-log entry to simdjson, not a CDP reply).
        lines.append(event(method: "Network.webSocketFrameRaceived", payload: "a\\\u{00}b"))
        lines.append(#"{"id":0,"level":"INFO","message":"{\"message\":{}}","timestamp":5}"#)
        // Found by the same check once it compared statuses: two `timestamp` keys, the first out
        // of a double's range (the scanners converted only the last; simdjson's path the first).
        lines.append(
            #"{"method":"Nd","params":{"eq2ud":"411","timestamp":1000.5e342,"rreq2ud":"411","timestamp":1000.5e171,"oesonse":{"npcode":3,"m":"W3"}}}"#
        )
        lines.append(event(timestamp: "1e999,\"timestamp\":1"))
        return lines.map { Array($0.utf8) }
    }()

    @Test(
        "tick times and prices: the plain-decimal fast path gives the exact double, as simdjson and Double(String) do")
    func decimals() {
        var rng = SeededGenerator(seed: 7)
        // Fast-path spellings and the ones it hands to std::from_chars (16+ digits, exponents).
        // (Prices above MarketLimits' 1e12 would be skipped as absurd.)
        var texts: [String] = [
            "1", "1.5", "0.5", "0.000001", "123456789012.345", "12345678901.2345", "123456789012.3456",
            "0.1234567890123456", "900719925.4740993", "1.00000000000001", "1e3", "1.5E-3", "0.30000000000000004",
        ]
        for _ in 0..<2000 {
            let intDigits = Int.random(in: 1...12, using: &rng)
            let fracDigits = Int.random(in: 0...8, using: &rng)
            var t = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<intDigits { t += String(Int.random(in: 0...9, using: &rng)) }
            if fracDigits > 0 {
                t += "."
                for _ in 0..<fracDigits { t += String(Int.random(in: 0...9, using: &rng)) }
            }
            texts.append(Bool.random(using: &rng) ? t : "0." + t.filter { $0 != "." })
        }
        let tuples = texts.map { #"["EURUSD_otc",1756866774.962,\#($0)]"# }.joined(separator: ",")
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        encoder.frame(
            requestId: "1.1", timestamp: 1, opcode: 1,
            payload: Array("451-[\"updateStream\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        encoder.frame(requestId: "1.1", timestamp: 1.0001, opcode: 2, payload: Array("[\(tuples)]".utf8), into: &out)
        func prices(fast: Bool) -> [UInt64] {
            qf_decode_set_fast_paths(fast ? 1 : 0)
            defer { qf_decode_set_fast_paths(1) }
            let d = try! MarketDecoder()
            var result: [UInt64] = []
            for line in out.split(separator: 0x0A) {
                d.decode(line: line) { if case let .tick(t) = $0 { result.append(t.price.bitPattern) } }
            }
            return result
        }
        let fast = prices(fast: true), plain = prices(fast: false)
        #expect(fast.count == texts.count && plain.count == texts.count)
        // The fast path must give Double(String)'s exact double for every spelling. simdjson's
        // path is held to it up to 19 significant digits (longer ones differ there today: a
        // finding of its own, not this path's).
        let wrong = zip(texts, zip(fast, plain)).filter { text, values in
            let exact = (Double(text) ?? .nan).bitPattern
            return values.0 != exact || (text.filter(\.isNumber).count <= 19 && values.1 != exact)
        }
        #expect(
            wrong.isEmpty,
            "\(wrong.prefix(5).map { "\($0.0): fast \(Double(bitPattern: $0.1.0)) simdjson \(Double(bitPattern: $0.1.1))" })"
        )
    }

    /// A perf-log text frame's payload as qf_parse_line returns it: status and exact bytes.
    private static func textPayload(_ parser: OpaquePointer, _ line: [UInt8]) -> (qf_status, [UInt8]) {
        var frame = qf_frame()
        let status = line.withUnsafeBufferPointer { qf_parse_line(parser, $0.baseAddress, $0.count, $0.count, &frame) }
        guard status == QF_OK, frame.has_payload != 0 else { return (status, []) }
        return (status, Array(UnsafeBufferPointer(start: frame.payload.ptr, count: frame.payload.len)))
    }

    /// JSON string content for `bytes`: quotes and backslashes escaped, `/` escaped or not, control
    /// bytes as their short escapes or `\uXXXX`.
    private static func escaped(_ bytes: [UInt8], rng: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case UInt8(ascii: "/") where Bool.random(using: &rng): out += Array(#"\/"#.utf8)
            case 0x0A where Bool.random(using: &rng): out += Array(#"\n"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case ..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        return out
    }

    @Test(
        "text frames (perf-log and CDP): the one-pass unescapes give simdjson's path's status and exact payload bytes")
    func textFramePayloads() throws {
        var rng = SeededGenerator(seed: 4242)
        let pieces: [[UInt8]] = [
            Array("451-[".utf8), Array("updateStream".utf8), [UInt8(ascii: "\"")], [UInt8(ascii: "\\")],
            [UInt8(ascii: "/")], [0x0A], [0x09], [0x08], [0x0C], [0x0D], [0x01], [0x1F],
            Array("é".utf8), Array("😀".utf8), Array("{\"a\":[1.5,true]}".utf8), Array("0123456789abcdef".utf8),
        ]
        var payloads: [[UInt8]] = [[], Array("2".utf8), Array(#"42["signals/update",{"a":"\\\""}]"#.utf8)]
        for _ in 0..<3000 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &rng) { text += pieces.randomElement(using: &rng)! }
            payloads.append(text)
        }
        var lines: [[UInt8]] = []
        var expected: [[UInt8]?] = []  // nil: a damaged line, judged only against the other path
        let marker = Array("payloadData".utf8)
        for payload in payloads {
            let event =
                Array(
                    #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1000.5,"response":{"opcode":1,"mask":false,"payloadData":""#
                        .utf8)
                + Self.escaped(payload, rng: &rng) + Array(#""}}}"#.utf8)
            let inner = Array(#"{"message":"#.utf8) + event + Array(#","webview":"ABC"}"#.utf8)
            let escapedInner = Self.escaped(inner, rng: &rng)
            // Three paths to the payload: the perf-log message read in its escaped form (one pass
            // over both levels); a raw CDP line (Chrome's template, one level); and a perf-log
            // message with one glue byte spelled `\u006d`, which only matches the template once
            // the message is unescaped (parse_perflog_inner).
            let perfLog = Array(#"{"level":"INFO","message":""#.utf8) + escapedInner + Array(#"","timestamp":5}"#.utf8)
            let spelled = String(decoding: perfLog, as: UTF8.self).replacingOccurrences(
                of: #"{\"message\":{\"method"#, with: #"{\"message\":{\"\u006dethod"#)
            for line in [perfLog, event, Array(spelled.utf8)] {
                lines.append(line)
                expected.append(payload)
                // The same line damaged at a random byte of the payload or just around it: a bad
                // or cut escape, a stray quote, a raw control byte.
                let payloadStart =
                    (0...(line.count - marker.count)).first { Array(line[$0..<$0 + marker.count]) == marker }!
                    + marker.count
                var damaged = line
                let at = Int.random(in: payloadStart..<(line.count - 4), using: &rng)
                damaged[at] = [UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "u"), UInt8(ascii: "x"), 0x01]
                    .randomElement(using: &rng)!
                lines.append(damaged)
                expected.append(nil)
            }
        }
        let parser = try #require(qf_parser_create(0))
        defer { qf_parser_destroy(parser) }
        var damagedAccepted = 0, damagedRejected = 0
        for (line, payload) in zip(lines, expected) {
            let fast = Self.textPayload(parser, line)
            qf_decode_set_fast_paths(0)
            let plain = Self.textPayload(parser, line)
            qf_decode_set_fast_paths(1)
            #expect(
                fast.0 == plain.0 && fast.1 == plain.1,
                "\(fast.0) \(plain.0) \(line.map { String(format: "%02x", $0) }.joined())")
            if let payload {
                #expect(fast.0 == QF_OK && fast.1 == payload, "\(String(decoding: line, as: UTF8.self))")
            } else if fast.0 == QF_OK {
                damagedAccepted += 1
            } else {
                damagedRejected += 1
            }
        }
        // Both verdicts occur among the damaged lines (a changed letter can still be valid text).
        #expect(
            damagedAccepted > 100 && damagedRejected > 100, "\(damagedAccepted) accepted, \(damagedRejected) rejected")
    }
}
