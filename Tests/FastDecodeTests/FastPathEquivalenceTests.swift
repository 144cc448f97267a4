import CSupport
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
        let sample = Fixture.lines("pocketoption-20250903_003350.perflog.jsonl").prefix(40)
            + Fixture.lines("pocketoption-20250903_003350.cdp.jsonl").prefix(40)
        var lines: [[UInt8]] = []
        for line in sample {
            let bytes = Array(line.utf8)
            for cut in stride(from: 0, to: bytes.count, by: 7) { lines.append(Array(bytes[0..<cut])) }
            for _ in 0..<20 {
                var m = bytes
                m[Int.random(in: 0..<m.count, using: &rng)] = [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "}"),
                                                               UInt8(ascii: ","), 0x01, 0xC3, UInt8(ascii: "9")].randomElement(using: &rng)!
                lines.append(m)
            }
        }
        // Other shapes the scanners must hand over: whitespace, key order, arrays, escapes in keys.
        lines.append(Array(#"{ "method" : "Network.webSocketFrameReceived" , "params" : { "timestamp" : 1 , "response" : { "payloadData" : "2" , "opcode" : 1 } , "requestId" : "1.1" } }"#.utf8))
        lines.append(Array(#"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"extra":[1,2,{"a":"b"}],"response":{"opcode":1,"payloadData":"3"}}}"#.utf8))
        lines.append(Array(#"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":1.0,"payloadData":"3"}}}"#.utf8))
        lines.append(Array(#"{"id":7,"result":{}}"#.utf8))
        lines.append(Array(#"{"id":7.5,"result":{}}"#.utf8))
        lines.append(Array(#"{"level":"INFO","timestamp":5,"message":"{\"message\":{\"method\":\"Network.webSocketClosed\",\"params\":{\"requestId\":\"1.1\",\"timestamp\":2}},\"webview\":\"x\"}"}"#.utf8))
        lines.append(Array(#"{"level":"INFO","message":"{\"webview\":\"x\",\"message\":{\"method\":\"Network.webSocketFrameReceived\",\"params\":{\"requestId\":\"1.1\",\"timestamp\":2,\"response\":{\"opcode\":1,\"payloadData\":\"42[\\\"updateStream\\\",[[\\\"A\\\",1756866774.5,1.5]]]\"}}}}","timestamp":5}"#.utf8))
        let r = decodeBoth(lines)
        #expect(r.fast.0 == r.plain.0)
        #expect(r.fast.1.ticks == r.plain.1.ticks)
        #expect(r.fast.1.malformedTotal == r.plain.1.malformedTotal)
    }
}
