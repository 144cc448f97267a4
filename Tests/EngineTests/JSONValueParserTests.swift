import Foundation
import Testing

@testable import SocketIOServer

/// The client-message JSON parser agrees with Foundation's decoder (the `Decodable` conformance
/// it replaced) on valid and invalid documents, refuses deep nesting, and is cheap per value.
@Suite("Server JSON parser")
struct JSONValueParserTests {
    static let valid = [
        #"{"assets":["EURUSD_otc","GBPUSD"],"timeframes":["5s","1m",60]}"#,
        #"  [ 1 , -0.5 , 2e3 , 1E-2 , 0 , -0 , 123456789012 , true , false , null ]  "#,
        #"{"a":{"b":[{"c":[]},{}]},"d":"","e":"\"\\\/\b\f\n\r\t","f":"\u00e9\u20AC\ud83d\ude00"}"#,
        #""plain""#, "42", "null", #"{"dup":1,"dup":2}"#, #"["ünïcödé €"]"#, "[[[[[[[[[[1]]]]]]]]]]",
    ]
    static let invalid = [
        "", " ", "{", "[1,]", "[,1]", #"{"a"}"#, #"{"a":1,}"#, #"{a:1}"#, "[01]", "[1.]", "[.5]", "[1e]", "[+1]",
        "[-]", "tru", "nul", "[true false]", #""unterminated"#, "\"tab\there\"", #""\x""#, #""\u12G4""#,
        "[1] x", "{}{}", "[NaN]", "[Infinity]", "[1e999]",
    ]

    @Test("the same values as JSONDecoder on valid documents; both refuse invalid ones")
    func agreesWithFoundation() throws {
        for text in Self.valid {
            let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(try JSONValue.parse(Array(text.utf8)) == expected, "\(text)")
        }
        for text in Self.invalid {
            #expect(throws: (any Error).self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
        }
        #expect(throws: (any Error).self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }  // invalid UTF-8
    }

    @Test("nesting deeper than 64 is refused, never a stack overflow")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONValue.parse(Array(ok.utf8)) != .null)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse(Array(deep.utf8)) }
    }

    @Test("a 64 KB message of numbers or of names parses in milliseconds (no error per value)")
    func cheap() throws {
        let numbers = Array(("[" + (0..<13_000).map { "\($0 % 10)" }.joined(separator: ",") + "]").utf8)
        let names = Array(("[" + (0..<6_000).map { "\"A\($0 % 1000)\"" }.joined(separator: ",") + "]").utf8)
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<10 {
                _ = try JSONValue.parse(numbers)
                _ = try JSONValue.parse(names)
            }
        }
        // debug build on a shared machine: generous; the Decodable path took seconds for this
        #expect(elapsed < .seconds(2), "\(elapsed) for 20 × 64 KB")
    }
}
