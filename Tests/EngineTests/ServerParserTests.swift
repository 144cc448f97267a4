import Archive
import Candles
import ChromeCDP
import Demo
import Engine
import FastDecode
import SocketIOServer
import Testing
import TextWriters

/// The Engine.IO / Socket.IO state machine, fed whole, split at every byte, and with garbage.
@Suite("Server Socket.IO parser")
struct ServerParserTests {
    static let cases: [(String, EngineIOInbound)] = [
        ("3", .pong),
        ("2", .ping(payload: "")),
        ("2probe", .ping(payload: "probe")),
        ("1", .close),
        ("6", .noop),
        ("40", .socket(.connect(namespace: "/", auth: nil))),
        ("40{\"token\":\"abc\"}", .socket(.connect(namespace: "/", auth: .object(["token": .string("abc")])))),
        ("40/admin,", .socket(.connect(namespace: "/admin", auth: nil))),
        ("41", .socket(.disconnect(namespace: "/"))),
        (
            "42[\"start_stream\",{\"asset\":\"EURUSD_otc\"}]",
            .socket(
                .event(
                    namespace: "/", ackID: nil, name: "start_stream", args: [.object(["asset": .string("EURUSD_otc")])])
            )
        ),
        (
            "4217[\"get_assets\",{}]",
            .socket(.event(namespace: "/", ackID: 17, name: "get_assets", args: [.object([:])]))
        ),
        (
            "42/chat,5[\"x\",1,true,null]",
            .socket(.event(namespace: "/chat", ackID: 5, name: "x", args: [.number(1), .bool(true), .null]))
        ),
        ("42[\"stop_stream\"]", .socket(.event(namespace: "/", ackID: nil, name: "stop_stream", args: []))),
        ("433[\"ok\"]", .socket(.ack(namespace: "/", ackID: 3, args: [.string("ok")]))),
        ("42[\"é\",\"ü\"]", .socket(.event(namespace: "/", ackID: nil, name: "é", args: [.string("ü")]))),
    ]

    @Test("whole messages")
    func whole() {
        var parser = SocketIOParser()
        for (text, expected) in Self.cases {
            parser.feed(Array(text.utf8))
            #expect(parser.finish() == .success(expected), "\(text)")
        }
    }

    @Test("every message split at every byte, and byte by byte")
    func split() {
        for (text, expected) in Self.cases {
            let bytes = Array(text.utf8)
            for cut in 0...bytes.count {
                var parser = SocketIOParser()
                parser.feed(Array(bytes[..<cut]))
                parser.feed(Array(bytes[cut...]))
                #expect(parser.finish() == .success(expected), "\(text) cut at \(cut)")
            }
            var parser = SocketIOParser()
            for b in bytes { parser.feed([b]) }
            #expect(parser.finish() == .success(expected), "\(text) byte by byte")
        }
    }

    @Test("garbage and bad shapes are errors, and the parser recovers for the next message")
    func garbage() {
        let bad: [(String, SocketIOParseError)] = [
            ("", .empty),
            ("x", .badEngineType(UInt8(ascii: "x"))),
            ("0{}", .badEngineType(UInt8(ascii: "0"))),
            ("4", .badSocketType(0)),
            ("49", .badSocketType(UInt8(ascii: "9"))),
            ("451-[\"x\",{\"_placeholder\":true,\"num\":0}]", .binaryUnsupported),
            ("42", .badJSON),
            ("42[\"x\",{", .badJSON),
            ("42{\"a\":1}", .badJSON),
            ("42[1,2]", .missingEventName),
            ("42[]", .missingEventName),
            ("43[\"x\"]", .badAckID),
            ("421234567890[\"x\"]", .badAckID),
            ("40[1]", .badJSON),
            ("42/ns", .badJSON),
        ]
        var parser = SocketIOParser()
        for (text, error) in bad {
            parser.feed(Array(text.utf8))
            #expect(parser.finish() == .failure(error), "\(text)")
            parser.feed(Array("3".utf8))
            #expect(parser.finish() == .success(.pong), "recovery after \(text)")
        }
    }

    @Test("size limit counts every fragment; binary frames are refused")
    func limits() {
        var parser = SocketIOParser(maxMessageBytes: 16)
        parser.feed(Array("42[\"a\",\"".utf8))
        #expect(!parser.hasFailed)
        parser.feed(Array("0123456789\"]".utf8))
        #expect(parser.hasFailed)
        #expect(parser.finish() == .failure(.tooLarge(limit: 16)))
        parser.feed(Array("42[\"abcdefghij\"]".utf8))
        #expect(parser.finish() == .success(.socket(.event(namespace: "/", ackID: nil, name: "abcdefghij", args: []))))
        parser.rejectBinary()
        #expect(parser.finish() == .failure(.binaryUnsupported))
    }

    @Test("random bytes never crash and always end in a result")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        var parser = SocketIOParser(maxMessageBytes: 64)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<80, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            parser.feed(bytes)
            _ = parser.finish()
            #expect(parser.pendingBytes == 0)
        }
    }

    @Test("encoder frames")
    func encoder() {
        #expect(
            String(
                decoding: SocketIOEncoder.open(
                    sid: "abc", pingIntervalMs: 25000, pingTimeoutMs: 20000, maxPayload: 1_000_000), as: UTF8.self)
                == "0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
        )
        #expect(String(decoding: SocketIOEncoder.connectAck(sid: "s"), as: UTF8.self) == "40{\"sid\":\"s\"}")
        #expect(
            String(decoding: SocketIOEncoder.connectError(message: "unauthorized"), as: UTF8.self)
                == "44{\"message\":\"unauthorized\"}")
        #expect(
            String(decoding: SocketIOEncoder.event("e\"v", payload: Array("{\"a\":1}".utf8)), as: UTF8.self)
                == "42[\"e\\\"v\",{\"a\":1}]")
        #expect(String(decoding: SocketIOEncoder.ack(id: 12, payload: Array("[]".utf8)), as: UTF8.self) == "4312[[]]")
        var w = JSONWriter()
        w.string("a\nb\u{1}\\")
        w.comma()
        w.number(1.5)
        w.comma()
        w.number(3)
        w.comma()
        w.number(.nan)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "\"a\\nb\\u0001\\\\\",1.5,3,null")
        #expect(UTCTime.iso8601(seconds: 1_700_000_040) == "2023-11-14T22:14:00Z")
        #expect(UTCTime.iso8601(seconds: 0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.iso8601(millis: 951_782_400.25) == "2000-02-29T00:00:00.250Z")
    }
}
