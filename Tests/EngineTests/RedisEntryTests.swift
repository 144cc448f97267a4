import FastDecode
import Foundation
import Testing

@testable import RedisBridge

/// How the Redis readers judge one stream entry, without a server: the number grammar of the
/// fields (plain decimal text only) and the market limits of ticks and candles.
@Suite("Redis stream entries: plain decimal fields, sane values")
struct RedisStreamEntryTests {
    private func entry(_ fields: [(String, String)]) -> StreamEntry {
        StreamEntry(id: StreamID(milliseconds: 1, sequence: 0), fields: fields.map { (name: $0.0, value: $0.1) })
    }

    @Test("every number the publisher writes (Swift's shortest decimal) reads back exactly")
    func publisherSpellings() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, 1, -1, 1e-05, 1e16, 1e22, 1.5e300, Double.leastNonzeroMagnitude, 1_700_000_000.125, 1.08531, 0.1,
            123456.789,
            Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, Double.leastNormalMagnitude,
        ]
        for _ in 0..<2000 { values.append(Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF)) }
        for _ in 0..<2000 { values.append(1_700_000_000 + Double.random(in: 0..<1e8, using: &generator)) }
        for _ in 0..<2000 { values.append(Double.random(in: 1e-6..<1e6, using: &generator)) }
        for value in values {
            let text = value.description
            #expect(DecimalField.parse(text) == value, "\(text)")
            #expect(DecimalField.parse("-" + text.drop { $0 == "-" }) == -value.magnitude, "\(text)")
        }
        for text in ["0", "-0", "17", "1700000000", "0.5", "1E5", "1e+16", "1e-05", "2.5E-3", "12345678901234567890"] {
            #expect(DecimalField.parse(text) == Double(text), "\(text)")
        }
    }

    @Test("hex floats, inf/nan spellings, a leading +, partial numbers, spaces and over-long fields are refused")
    func refusedSpellings() {
        let refused = [
            "0x1p30", "0X1P30", "0x1.2p0", "0x10", "-0x1p3", "inf", "-inf", "+inf", "Inf", "INF", "infinity",
            "Infinity", "nan", "NaN", "-nan", "nan(0x1)", "+1", "+1.5", ".5", "-.5", "5.", "1.e3", "1e", "1e+",
            "01", "-01.5", "00", " 1", "1 ", "1\n", "1_000", "1,5", "", "-", "e5", "1.5.2", "1e5.5", "١٢",
            "1.1" + String(repeating: "0", count: 40), String(repeating: "9", count: 41),
        ]
        for text in refused {
            #expect(DecimalField.parse(text) == nil, "\(text.debugDescription) was accepted")
        }
        // The bound is on the text, not the value: 40 bytes are still read.
        #expect(DecimalField.parse("1." + String(repeating: "0", count: 38)) == 1)
        // Without the grammar check, Swift would read these as sane market values.
        #expect(Double("0x1p30") == 1_073_741_824 && Double("+1700000000") == 1_700_000_000)
    }

    @Test("a tick entry: accepted only with both fields plain and sane; malformed and absurd told apart")
    func tickVerdicts() {
        func verdict(_ fields: [(String, String)]) -> String {
            switch entry(fields).tickVerdict {
            case let .accepted(p): "tick \(p.time) \(p.price)"
            case .malformed: "malformed"
            case .absurd: "absurd"
            }
        }
        #expect(verdict([("time", "1700000000.125"), ("price", "1.08531")]) == "tick 1700000000.125 1.08531")
        #expect(verdict([("price", "1.08531"), ("time", "1700000000")]) == "tick 1700000000.0 1.08531")
        for bad in ["nan", "inf", "-inf", "0x1p0", "+1.5", "", "abc"] {
            #expect(verdict([("time", "1700000000"), ("price", bad)]) == "malformed", "\(bad)")
            #expect(verdict([("time", bad), ("price", "1.5")]) == "malformed", "\(bad)")
        }
        #expect(verdict([("time", "0x1p30"), ("price", "1.5")]) == "malformed")
        #expect(verdict([("time", "1700000000")]) == "malformed")
        #expect(verdict([]) == "malformed")  // a deleted entry (nil fields in XREADGROUP … 0)
        for (time, price) in [
            ("1e308", "1.5"), ("-1e308", "1.5"), ("1700000000", "1e308"), ("1700000000", "1e999"),
            ("1e999", "1.5"), ("1700000000", "-1.5"), ("1700000000", "0"), ("-1", "1.5"), ("1e11", "1.5"),
        ] {
            #expect(verdict([("time", time), ("price", price)]) == "absurd", "\(time) \(price)")
        }
    }

    @Test("a candle entry: time and every price sane, a volume when given finite and not negative")
    func candleVerdicts() {
        func verdict(_ values: [String], volume: String? = nil) -> String {
            var fields = zip(["time", "open", "high", "low", "close"], values).map { ($0, $1) }
            if let volume { fields.append(("volume", volume)) }
            return switch entry(fields).candleVerdict {
            case let .accepted(c):
                "candle \(c.time) \(c.open) \(c.high) \(c.low) \(c.close) \(c.volume.map { "\($0)" } ?? "-")"
            case .malformed: "malformed"
            case .absurd: "absurd"
            }
        }
        #expect(
            verdict(["1700000005", "1.1", "1.3", "0.9", "1.2"], volume: "17")
                == "candle 1700000005.0 1.1 1.3 0.9 1.2 17.0")
        #expect(verdict(["1700000005", "1.1", "1.3", "0.9", "1.2"]) == "candle 1700000005.0 1.1 1.3 0.9 1.2 -")
        #expect(verdict(["1700000005", "1.1", "nan", "0.9", "1.2"]) == "malformed")
        #expect(verdict(["1700000005", "1.1", "1.3", "0.9"]) == "malformed")
        #expect(verdict(["1700000005", "1.1", "1.3", "0.9", "1.2"], volume: "0x10") == "malformed")
        #expect(verdict(["1700000005", "1.1", "1e308", "0.9", "1.2"]) == "absurd")
        #expect(verdict(["1e308", "1.1", "1.3", "0.9", "1.2"]) == "absurd")
        #expect(verdict(["1700000005", "1.1", "1.3", "-0.9", "1.2"]) == "absurd")
        #expect(verdict(["1700000005", "1.1", "1.3", "0.9", "1.2"], volume: "-3") == "absurd")
        #expect(verdict(["1700000005", "1.1", "1.3", "0.9", "1.2"], volume: "1e999") == "absurd")
    }

    @Test("error replies: per-key ones (WRONGTYPE, NOPERM) are told from server states and group errors")
    func errorKinds() {
        #expect(RedisError(.server, "WRONGTYPE Operation against a key holding the wrong kind of value").concernsKey)
        #expect(RedisError(.server, "NOPERM this user has no permissions to access one of the keys").concernsKey)
        for state in [
            "LOADING Redis is loading the dataset in memory", "OOM command not allowed", "BUSY Redis is busy",
            "MISCONF Redis is configured to save RDB snapshots",
            "READONLY You can't write against a read only replica.",
            "NOGROUP No such key", "BUSYGROUP Consumer Group name already exists",
        ] {
            #expect(!RedisError(.server, state).concernsKey, "\(state)")
        }
        #expect(RedisError(.server, "LOADING Redis is loading").isServerState)
        #expect(!RedisError(.io, "WRONGTYPE").concernsKey)  // not a reply: a connection failure
    }
}
