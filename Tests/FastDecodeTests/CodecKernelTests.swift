import CDecodeShim
import Foundation
import Testing

/// The dispatched codec kernels (AVX2 / AVX-512, whichever this CPU runs) against the portable
/// code (`qf_codecs_force_portable(1)`): same return value, same bytes, same `after`, on every
/// input. Inputs sit in exact-size allocations so that, under a sanitizer, a read past the end
/// is caught; outputs get the room the headers document and nothing more.
@Suite("Codec kernels agree with the portable code", .serialized)
struct CodecKernelTests {
    /// Runs `body` once forced portable and once dispatched.
    private static func both<R>(_ body: () -> R) -> (portable: R, dispatched: R) {
        qf_codecs_force_portable(1)
        let p = body()
        qf_codecs_force_portable(0)
        return (p, body())
    }

    /// qf_json_unescape_string on an exact-size copy of `input`: result, output bytes, and the
    /// offset of *after (-1 when unset).
    /// qf_json_unescape_string on `string` and qf_json_unescape on `whole`: the dispatched kernels
    /// must give what the portable code gives.
    private static func expectKernelsAgree(string: [UInt8], whole: [UInt8], _ context: String) {
        let r = both { unescapeString(string) }
        #expect(r.portable == r.dispatched, "qf_json_unescape_string, \(context)")
        let w = both { unescape(whole) }
        #expect(w.portable.0 == w.dispatched.0 && w.portable.1 == w.dispatched.1, "qf_json_unescape, \(context)")
    }

    private static func unescapeString(_ input: [UInt8]) -> (Int, [UInt8], Int) {
        let src = UnsafeMutablePointer<UInt8>.allocate(capacity: max(input.count, 1))
        defer { src.deallocate() }
        src.initialize(from: input, count: input.count)
        let room = input.count + 64
        let dst = UnsafeMutablePointer<UInt8>.allocate(capacity: room)
        defer { dst.deallocate() }
        dst.initialize(repeating: 0xEE, count: room)
        var after: UnsafePointer<UInt8>?
        let n = qf_json_unescape_string(src, src + input.count, dst, &after)
        let out = n >= 0 ? Array(UnsafeBufferPointer(start: dst, count: n)) : []
        return (n, out, after.map { $0 - UnsafePointer(src) } ?? -1)
    }

    /// qf_json_unescape on an exact-size copy into exactly `count` bytes (its documented room).
    private static func unescape(_ input: [UInt8]) -> (Int, [UInt8]) {
        let src = UnsafeMutablePointer<UInt8>.allocate(capacity: max(input.count, 1))
        defer { src.deallocate() }
        src.initialize(from: input, count: input.count)
        let dst = UnsafeMutablePointer<UInt8>.allocate(capacity: max(input.count, 1))
        defer { dst.deallocate() }
        let n = qf_json_unescape(src, input.count, dst)
        return (n, n >= 0 ? Array(UnsafeBufferPointer(start: dst, count: n)) : [])
    }

    /// qf_base64_decode on an exact-size copy, into exactly qf_base64_decoded_max bytes.
    private static func base64(_ input: [UInt8]) -> (Int, [UInt8]) {
        let src = UnsafeMutablePointer<UInt8>.allocate(capacity: max(input.count, 1))
        defer { src.deallocate() }
        src.initialize(from: input, count: input.count)
        let room = qf_base64_decoded_max(input.count)
        let dst = UnsafeMutablePointer<UInt8>.allocate(capacity: room)
        defer { dst.deallocate() }
        let n = qf_base64_decode(src, input.count, dst)
        return (n, n >= 0 ? Array(UnsafeBufferPointer(start: dst, count: n)) : [])
    }

    /// In place (dst == src), as the line layer decodes a payload that held `\/`.
    private static func base64InPlace(_ input: [UInt8]) -> (Int, [UInt8]) {
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: max(input.count, qf_base64_decoded_max(input.count)))
        defer { buf.deallocate() }
        buf.initialize(from: input, count: input.count)
        let n = qf_base64_decode(buf, input.count, buf)
        return (n, n >= 0 ? Array(UnsafeBufferPointer(start: buf, count: n)) : [])
    }

    private static let escapePieces: [[UInt8]] = [
        "a", "bc", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\ud83d\\ude00", "é", "{", ":", "\\\\\\\"",
        "0123456789abcdef",
    ].map { Array($0.utf8) }

    @Test("qf_json_unescape_string and qf_json_unescape: random strings of every length 0…200, terminated or not")
    func unescapeRandom() {
        var rng = SeededGenerator(seed: 14)
        for length in 0...200 {
            for round in 0..<12 {
                var s: [UInt8] = []
                while s.count < length {
                    var piece = Self.escapePieces[Int.random(in: 0..<Self.escapePieces.count, using: &rng)]
                    // Half the rounds: only the escapes the vector kernels take themselves.
                    if round % 2 == 0, piece.contains(UInt8(ascii: "n")) || piece.contains(UInt8(ascii: "u")) {
                        piece = Array("x".utf8)
                    }
                    s += piece
                }
                s = Array(s.prefix(length))  // may cut an escape: both must reject it alike
                let terminated = round % 3 != 2
                let input =
                    terminated ? s + [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "y"), count: round * 5) : s
                Self.expectKernelsAgree(
                    string: input, whole: s,
                    "length \(length) round \(round): \(String(decoding: input, as: UTF8.self))")
            }
        }
    }

    @Test("qf_json_unescape_string: a quote, control byte, bad escape or lone backslash at every position")
    func unescapeEveryPosition() {
        let base = Array(String(repeating: #"ab\"cd\\ef\/gh"#, count: 12).utf8)  // 168 bytes, escapes everywhere
        let inserts: [[UInt8]] = [
            [UInt8(ascii: "\"")], [0x01], [0x1F], Array(#"\q"#.utf8), Array(#"\n"#.utf8),
            Array(#"\u0041"#.utf8), Array(#"\u12"#.utf8), [0x80], [UInt8(ascii: "\\")],
        ]
        for insert in inserts {
            for position in 0...base.count {
                let s = Array(base[..<position]) + insert + Array(base[position...])
                for tail in [0, 1, 31, 32, 33] {
                    let input = s + [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "z"), count: tail)
                    Self.expectKernelsAgree(string: input, whole: s, "insert \(insert) at \(position), tail \(tail)")
                    // Unterminated, ending right at the buffer edge.
                    let open = Self.both { Self.unescapeString(s) }
                    #expect(open.portable == open.dispatched, "insert \(insert) at \(position), unterminated")
                }
            }
        }
    }

    @Test("qf_json_unescape_string: escape pairs straddling every 16/32/64-byte block edge")
    func unescapeBlockEdges() {
        for lead in 0..<70 {
            for escape in [#"\""#, #"\\"#, #"\/"#, #"\n"#, #"\\\""#, #"\\\\"#] {
                let body = Array(repeating: UInt8(ascii: "a"), count: lead) + Array(escape.utf8) + Array("bcd".utf8)
                for input in [
                    body + [UInt8(ascii: "\"")], body,
                    Array(repeating: UInt8(ascii: "a"), count: lead) + [UInt8(ascii: "\\")],
                ] {
                    let r = Self.both { Self.unescapeString(input) }
                    #expect(r.portable == r.dispatched, "lead \(lead) escape \(escape)")
                }
            }
        }
    }

    @Test("qf_json_unescape_string: real perf-log messages")
    func unescapePerfLog() throws {
        for line in Fixture.lines("pocketoption-20250903_003350.perflog.jsonl").prefix(300) {
            let bytes = Array(line.utf8)
            guard
                let start = bytes.indices.first(where: { i in bytes[i...].starts(with: Array(#""message": ""#.utf8)) })
            else { continue }
            let input = Array(bytes[(start + 12)...])
            let r = Self.both { Self.unescapeString(input) }
            #expect(r.portable == r.dispatched)
            #expect(r.dispatched.0 > 0)
        }
    }

    @Test("qf_base64_decode: every length 0…200, padded, unpadded, in place")
    func base64Lengths() {
        var rng = SeededGenerator(seed: 64)
        for n in 0...200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let padded = Array(Data(bytes).base64EncodedString().utf8)
            var unpadded = padded
            while unpadded.last == UInt8(ascii: "=") { unpadded.removeLast() }
            for text in [padded, unpadded] {
                let r = Self.both { Self.base64(text) }
                #expect(r.portable.0 == n && r.portable.1 == bytes)
                #expect(r.dispatched.0 == r.portable.0 && r.dispatched.1 == r.portable.1, "n \(n)")
                let inPlace = Self.both { Self.base64InPlace(text) }
                #expect(
                    inPlace.portable.0 == n && inPlace.dispatched.0 == n && inPlace.dispatched.1 == bytes,
                    "in place, n \(n)")
            }
        }
    }

    @Test("qf_base64_decode: an invalid character at every position, and padding variants")
    func base64Invalid() {
        var rng = SeededGenerator(seed: 65)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let badBytes: [UInt8] = [
            UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: " "), UInt8(ascii: "\n"),
            0, 0x7F, 0x80, 0xFF, UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "`"), UInt8(ascii: "{"),
            UInt8(ascii: "*"), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ":"),
        ]
        for length in [1, 2, 3, 4, 7, 8, 31, 32, 33, 43, 44, 45, 63, 64, 65, 96, 100, 128, 131, 200] {
            let text = (0..<length).map { _ in alphabet[Int.random(in: 0..<64, using: &rng)] }
            let clean = Self.both { Self.base64(text) }
            #expect(clean.portable.0 == clean.dispatched.0 && clean.portable.1 == clean.dispatched.1)
            for position in 0..<length {
                for bad in badBytes {
                    var t = text
                    t[position] = bad
                    let r = Self.both { Self.base64(t) }
                    #expect(r.portable.0 == r.dispatched.0, "length \(length), \(bad) at \(position)")
                    #expect(r.portable.1 == r.dispatched.1)
                }
            }
            // Padding: none, one, two, three '=', '=' inside, '=' then data.
            for pad in ["", "=", "==", "===", "=A", "A=", "==A", "A==", "=A=="] {
                let t = text + Array(pad.utf8)
                let r = Self.both { Self.base64(t) }
                #expect(r.portable.0 == r.dispatched.0 && r.portable.1 == r.dispatched.1, "length \(length) pad \(pad)")
            }
        }
    }
}

/// The CDP scanner's number path for the timestamps Chrome writes in shortest form
/// (1000.0274999999999: 16 to 19 significant digits): the same double as Foundation's parser.
@Suite("Codec: long decimals", .serialized)
struct LongDecimalTests {
    @Test("CDP timestamps of 1…19 significant digits parse to the correctly rounded double")
    func timestamps() throws {
        let parser = try #require(qf_parser_create(0))
        defer { qf_parser_destroy(parser) }
        var rng = SeededGenerator(seed: 17)
        var texts: [String] = [
            "9007199254740993", "9007199254740995", "4503599627370496.5", "4503599627370497.5",
            "1000.0274999999999", "0.1000000000000000", "9999999999999999999", "0.0000000000000000001",
            "1234567890123456.789", "1.7976931348623157", "0.30000000000000004", "123456.78901234567",
        ]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...19, using: &rng)
            let fraction = Int.random(in: 0...digits, using: &rng)
            var s = (0..<(digits - fraction)).map { i in String(Int.random(in: i == 0 ? 1...9 : 0...9, using: &rng)) }
                .joined()
            if s.isEmpty { s = "0" }
            if fraction > 0 {
                s += "." + (0..<fraction).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
            }
            texts.append(s)
            texts.append(String(Double.random(in: 0..<100_000, using: &rng)))  // shortest form, up to 17 digits
        }
        for text in texts {
            let line = Array(
                #"{"method":"Network.webSocketClosed","params":{"requestId":"1.1","timestamp":\#(text)}}"#.utf8)
            var frame = qf_frame()
            let status = line.withUnsafeBufferPointer {
                qf_parse_line(parser, $0.baseAddress, $0.count, $0.count, &frame)
            }
            #expect(status == QF_OK)
            let expected = try #require(Double(text))
            #expect(frame.timestamp.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    /// A line on each of the shim's paths: Chrome's frame template, the general CDP scanner
    /// (keys reordered), the flat perf-log scan, and simdjson alone (an array the scanners leave to it).
    static func timestampLines(_ t: String) -> [[UInt8]] {
        [
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":\#(t),"response":{"opcode":1,"mask":false,"payloadData":"2"}}}"#,
            #"{"params":{"timestamp":\#(t),"requestId":"1.1","response":{"payloadData":"2","opcode":1}},"method":"Network.webSocketFrameReceived"}"#,
            #"{"level":"INFO","message":"{\"message\":{\"method\":\"Network.webSocketClosed\",\"params\":{\"requestId\":\"1.1\",\"timestamp\":\#(t)}},\"webview\":\"x\"}","timestamp":5}"#,
            #"{"method":"Network.webSocketClosed","params":{"requestId":"1.1","timestamp":\#(t),"extra":[1]}}"#,
        ].map { Array($0.utf8) }
    }

    static func parse(_ parser: OpaquePointer, _ line: [UInt8]) -> (qf_status, Double) {
        var frame = qf_frame()
        let status = line.withUnsafeBufferPointer { qf_parse_line(parser, $0.baseAddress, $0.count, $0.count, &frame) }
        return (status, frame.timestamp)
    }

    @Test("timestamps off: NaN on every path, and a timestamp that is not a JSON number still fails its line")
    func timestampsOff() throws {
        let parser = try #require(qf_parser_create(0))
        defer { qf_parser_destroy(parser) }
        qf_parser_set_timestamps(parser, 0)
        for line in Self.timestampLines("1000.0274999999999") {
            let (status, timestamp) = Self.parse(parser, line)
            #expect(status == QF_OK && timestamp.isNaN, "\(String(decoding: line, as: UTF8.self))")
        }
        for bad in ["01", "1.", "-", "1e", "1.e3", "inf", "\"1\""] {
            for line in Self.timestampLines(bad) {
                #expect(Self.parse(parser, line).0 != QF_OK, "\(String(decoding: line, as: UTF8.self))")
            }
        }
        // A number out of a double's range is only a range error when it is converted: with
        // timestamps off every path takes it (simdjson's path too, which reads the token as the
        // scanners do).
        for line in Self.timestampLines("1e999") {
            let (status, timestamp) = Self.parse(parser, line)
            #expect(status == QF_OK && timestamp.isNaN, "\(String(decoding: line, as: UTF8.self))")
        }
        qf_parser_set_timestamps(parser, 1)
        for line in Self.timestampLines("1000.0274999999999") {
            #expect(Self.parse(parser, line).1 == 1000.0274999999999)
        }
    }

    @Test("timestamps on: one out of a double's range fails its line on every path, as in simdjson")
    func timestampOutOfRange() throws {
        let parser = try #require(qf_parser_create(0))
        defer { qf_parser_destroy(parser) }
        for line in Self.timestampLines("1e999") {
            #expect(Self.parse(parser, line).0 != QF_OK, "\(String(decoding: line, as: UTF8.self))")
        }
    }

    @Test("a tick array's numbers follow the JSON grammar on the fast path too (\"1.\", \"1.e5\" fail, as in simdjson)")
    func tickNumbersByGrammar() throws {
        let parser = try #require(qf_parser_create(0))
        defer { qf_parser_destroy(parser) }
        let ticks = UnsafeMutablePointer<qf_tick>.allocate(capacity: 8)
        defer { ticks.deallocate() }
        func parse(_ text: String) -> qf_status {
            var payload = qf_payload()
            payload.ticks = ticks
            payload.ticks_cap = 8
            let bytes = Array(text.utf8) + [UInt8](repeating: 0, count: 64)
            return bytes.withUnsafeBufferPointer {
                qf_parse_payload(
                    parser, Int32(QF_EVENT_UPDATE_STREAM.rawValue), $0.baseAddress, text.utf8.count, &payload)
            }
        }
        #expect(parse(#"[["EURUSD_otc",1756866774.5,1.5]]"#) == QF_OK)
        #expect(parse(#"[["EURUSD_otc",1756866774.5e0,1.5]]"#) == QF_OK)
        for bad in ["1756866774.", "1756866774.e3", "inf", "01", "-"] {
            #expect(parse(#"[["EURUSD_otc",\#(bad),1.5]]"#) != QF_OK, "\(bad)")
        }
    }
}
