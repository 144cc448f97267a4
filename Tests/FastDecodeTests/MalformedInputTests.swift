import CDecodeShim
import Foundation
import Testing

@testable import FastDecode

@Suite("Malformed input is counted, never a crash")
struct MalformedInputTests {
    static let sample = Fixture.lines("pocketoption-20250903_003350.perflog.jsonl")

    @Test("every truncation of real lines is rejected or decoded, never crashes", arguments: [0, 1, 2, 3, 100])
    func truncations(index: Int) throws {
        let line = Array(Self.sample[index].utf8)
        let decoder = try MarketDecoder()
        for cut in 0..<line.count {
            decoder.decode(line: line[0..<cut]) { _ in }
        }
        #expect(decoder.stats.lines == line.count)
        // All but the empty prefix are malformed JSON (a cut inside a perf-log line never parses).
        #expect(
            decoder.stats.malformed(.json) + decoder.stats.malformed(.utf8) + decoder.stats.emptyLines == line.count)
    }

    @Test("each kind of bad input lands in its own counter")
    func kinds() throws {
        let d = try MarketDecoder()
        func feed(_ s: String) { d.decode(line: s) { _ in } }
        feed("")  // empty
        feed("{\"method\":")  // truncated JSON
        feed("not json at all")  // garbage
        feed("[1,2,3]")  // JSON, not an object
        feed("{\"hello\":\"world\"}")  // not CDP
        feed(
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":2,"mask":false,"payloadData":"!!!notbase64"}}}"#
        )
        feed(
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":9,"mask":false,"payloadData":"AAAA"}}}"#
        )
        feed(
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":1,"mask":false,"payloadData":"zz"}}}"#
        )
        feed(
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":"1","mask":false,"payloadData":"x"}}}"#
        )
        feed(
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":1,"response":{"opcode":1,"mask":false,"payloadData":"42[\"updateStream\",{\"not\":\"ticks\"}]"}}}"#
        )
        #expect(d.stats.emptyLines == 1)
        #expect(d.stats.malformed(.json) == 3)
        #expect(d.stats.malformed(.notCDP) == 1)
        #expect(d.stats.malformed(.base64) == 1)
        #expect(d.stats.malformed(.opcode) == 1)
        #expect(d.stats.malformed(.engineIO) == 1)
        #expect(d.stats.malformed(.field) == 1)
        #expect(d.stats.malformed(.payloadShape) == 1)
        #expect(d.stats.ticks == 0)
    }

    @Test("invalid UTF-8 and binary garbage are counted")
    func binaryGarbage() throws {
        let d = try MarketDecoder()
        d.decode(line: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]) { _ in }  // {"\xff\xfe":1}
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let n = Int.random(in: 1...300, using: &rng)
            d.decode(line: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }) { _ in }
        }
        #expect(d.stats.malformed(.utf8) >= 1)
        #expect(d.stats.malformedTotal + d.stats.emptyLines == 2001)
    }

    @Test("random byte flips in real lines never crash and never invent ticks from nothing")
    func byteFlips() throws {
        var rng = SeededGenerator(seed: 11)
        let d = try MarketDecoder()
        var ticks = 0
        for _ in 0..<3000 {
            var line = Array(Self.sample.randomElement(using: &rng)!.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                line[Int.random(in: 0..<line.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            d.decode(line: line) { if case .tick = $0 { ticks += 1 } }
        }
        #expect(d.stats.lines == 3000)
        #expect(ticks <= 3000)
    }

    @Test("a 16 MB frame with 400,000 ticks decodes whole")
    func hugeFrame() throws {
        var body = "["
        body.reserveCapacity(17 << 20)
        for i in 0..<400_000 {
            if i > 0 { body += "," }
            body += "[\"EURUSD_otc\",\(1_756_866_774 + Double(i) / 1000),1.0\(i % 10000)]"
        }
        body += "]"
        #expect(body.utf8.count > 12_000_000)
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        encoder.frame(
            requestId: "1.1", timestamp: 1, opcode: 1,
            payload: Array("451-[\"updateStream\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        encoder.frame(requestId: "1.1", timestamp: 2, opcode: 2, payload: Array(body.utf8), into: &out)
        let lines = out.split(separator: 0x0A)
        let d = try MarketDecoder()
        var count = 0
        var last: Tick?
        for line in lines { d.decode(line: line) { if case let .tick(t) = $0 { count += 1; last = t } } }
        #expect(count == 400_000)
        #expect(last?.price == 1.09999)
    }

    @Test("lines over the size limit are counted as too large")
    func sizeLimit() throws {
        let d = try MarketDecoder(maxMessageBytes: 1000)
        d.decode(line: Self.sample[0] + String(repeating: " ", count: 10) + "x" + String(repeating: "y", count: 2000)) {
            _ in
        }
        #expect(d.stats.malformed(.tooLarge) == 1)
    }

    @Test("base64 decoder agrees with Foundation and rejects bad input")
    func base64() {
        var rng = SeededGenerator(seed: 5)
        for n in 0..<200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Array(Data(bytes).base64EncodedString().utf8)
            var out = [UInt8](repeating: 0, count: qf_base64_decoded_max(text.count))
            let m = qf_base64_decode(text, text.count, &out)
            #expect(m == n)
            #expect(Array(out.prefix(max(m, 0))) == bytes)
        }
        for bad in ["A", "A===", "AB$D", "ABC=D", "====", "AB\nCD"] {
            let text = Array(bad.utf8)
            var out = [UInt8](repeating: 0, count: 16)
            #expect(qf_base64_decode(text, text.count, &out) == -1, "\(bad)")
        }
    }

    @Test("JSON unescape handles every escape, surrogate pairs and rejects bad escapes")
    func unescape() {
        func run(_ s: String) -> String? {
            let src = Array(s.utf8)
            var dst = [UInt8](repeating: 0, count: max(src.count, 1))
            let n = qf_json_unescape(src, src.count, &dst)
            return n < 0 ? nil : String(decoding: dst.prefix(n), as: UTF8.self)
        }
        #expect(run(#"a\"b\\c\/d\n\t\r\b\f"#) == "a\"b\\c/d\n\t\r\u{8}\u{c}")
        #expect(run(#"\u00e9\u20ac\ud83d\ude00"#) == "é€😀")
        #expect(run(#"\ud83d"#) == "\u{FFFD}")
        #expect(run(#"bad\q"#) == nil)
        #expect(run(#"\u12"#) == nil)
        #expect(run("trailing\\") == nil)
    }
}

@Suite("String unescaping kernels", .serialized)
struct UnescapeKernelTests {
    /// The reference: Foundation's JSON parser on the same string literal.
    static func reference(_ escaped: [UInt8]) -> [UInt8]? {
        let doc = Data(
            [UInt8(ascii: "[")] + [UInt8(ascii: "\"")] + escaped + [UInt8(ascii: "\"")] + [UInt8(ascii: "]")])
        guard let array = try? JSONSerialization.jsonObject(with: doc) as? [String] else { return nil }
        return Array(array[0].utf8)
    }

    @Test(
        "qf_json_unescape_string agrees with Foundation on random strings across 64-byte blocks",
        arguments: [(UInt64(1), false), (2, false), (3, true), (4, true)])
    func randomStrings(seed: UInt64, portable: Bool) {
        qf_codecs_force_portable(portable ? 1 : 0)
        defer { qf_codecs_force_portable(0) }
        var rng = SeededGenerator(seed: seed)
        let pieces: [[UInt8]] = [
            Array("a".utf8), Array("bc".utf8), Array("\\\"".utf8), Array("\\\\".utf8),
            Array("\\/".utf8), Array("\\n".utf8), Array("\\u00e9".utf8), Array("\\ud83d\\ude00".utf8),
            Array("é".utf8), Array("{".utf8), Array(":".utf8), Array("\\\\\\\"".utf8),
        ]
        for _ in 0..<400 {
            var s: [UInt8] = []
            let n = Int.random(in: 0...200, using: &rng)
            while s.count < n { s += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            // Sometimes only the escapes the fast kernel handles.
            if Bool.random(using: &rng) { s = s.filter { $0 != UInt8(ascii: "n") && $0 != UInt8(ascii: "u") } }
            guard let expected = Self.reference(s) else { continue }  // filtering may break an escape
            let input = s + [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "x"), count: 70)
            var out = [UInt8](repeating: 0, count: input.count + 64)
            var after: UnsafePointer<UInt8>?
            let got: Int = input.withUnsafeBufferPointer { inp in
                out.withUnsafeMutableBufferPointer { o in
                    let r = qf_json_unescape_string(
                        inp.baseAddress!, inp.baseAddress! + inp.count, o.baseAddress!, &after)
                    if r >= 0 { #expect(after! - inp.baseAddress! == s.count + 1) }
                    return r
                }
            }
            #expect(got == expected.count, "input \(String(decoding: s, as: UTF8.self))")
            if got >= 0 { #expect(Array(out.prefix(got)) == expected) }
        }
    }

    @Test("unterminated strings, bad escapes and control bytes are rejected")
    func rejects() {
        func run(_ text: String) -> Int {
            let input = Array(text.utf8)
            var out = [UInt8](repeating: 0, count: input.count + 64)
            var after: UnsafePointer<UInt8>?
            return input.withUnsafeBufferPointer { inp in
                out.withUnsafeMutableBufferPointer { o in
                    qf_json_unescape_string(inp.baseAddress!, inp.baseAddress! + inp.count, o.baseAddress!, &after)
                }
            }
        }
        #expect(run(String(repeating: "a", count: 100)) == -2)
        #expect(run(String(repeating: "a", count: 70) + "\\q\"") == -1)
        #expect(run(String(repeating: "a", count: 70) + "\u{01}\"") == -3)
        #expect(run(String(repeating: "\\\"", count: 40)) == -2)
        #expect(run(String(repeating: "b", count: 63) + "\\\"" + "\"") == 64)
    }
}
