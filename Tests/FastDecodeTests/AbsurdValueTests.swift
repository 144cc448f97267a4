import Foundation
import Testing

@testable import FastDecode

/// Times and prices outside `MarketLimits` are malformed input: counted and skipped.
@Suite("Absurd times and prices are counted and skipped")
struct AbsurdValueTests {
    /// One binary `updateStream` attachment whose tuple text is given verbatim (so it can hold
    /// tokens Swift would never print, like `-Infinity`).
    static func updateStream(_ tuples: String) -> [UInt8] {
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        encoder.frame(
            requestId: "1.1", timestamp: 1, opcode: 1,
            payload: Array("451-[\"updateStream\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        encoder.frame(requestId: "1.1", timestamp: 1.0001, opcode: 2, payload: Array("[\(tuples)]".utf8), into: &out)
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> (ticks: [Tick], stats: DecodeStats) {
        let decoder = try MarketDecoder()
        var ticks: [Tick] = []
        for line in bytes.split(separator: 0x0A) {
            decoder.decode(line: line) { if case let .tick(t) = $0 { ticks.append(t) } }
        }
        return (ticks, decoder.stats)
    }

    @Test(
        "absurd live ticks are skipped one by one; the sane ones in the same frame pass",
        arguments: ["1e300", "-1e300", "1e19", "-1", "-Infinity", "Infinity", "NaN", "5e9"])
    func absurdTimes(time: String) throws {
        let bytes = Self.updateStream(#"["EURUSD_otc",\#(time),1.1],["EURUSD_otc",1756866774.962,1.16558]"#)
        let (ticks, stats) = try Self.decode(bytes)
        // Either the shim refuses the token as JSON (a payload-shape error for the whole frame) or
        // the value reaches the range check: never a tick with that time.
        #expect(ticks.allSatisfy { MarketLimits.isSane(time: $0.time, price: $0.price) })
        #expect(stats.malformed(.absurdValue) + stats.malformed(.payloadShape) >= 1, "\(stats.malformed)")
        if stats.malformed(.absurdValue) == 1 {
            #expect(ticks == [Tick(asset: ticks[0].asset, time: 1756866774.962, price: 1.16558)])
        }
    }

    @Test("absurd prices are skipped", arguments: ["0", "-1.5", "1e300", "-1e300", "1e13", "-Infinity"])
    func absurdPrices(price: String) throws {
        let (ticks, stats) = try Self.decode(Self.updateStream(#"["EURUSD_otc",1756866774.962,\#(price)]"#))
        #expect(ticks.isEmpty)
        #expect(stats.malformed(.absurdValue) + stats.malformed(.payloadShape) == 1)
    }

    @Test("absurd history ticks and candles are skipped, the rest of the history kept")
    func absurdHistory() throws {
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        let history =
            #"{"asset":"EURUSD_otc","period":60,"history":[[1756866700,1.1],[1e300,1.2],[1756866760,-3]],"#
            + #""candles":[[1756866600,1.1,1.2,1.3,1.0,5],[1e19,1.1,1.2,1.3,1.0,5],[1756866660,1.1,1.2,1e300,1.0,5]]}"#
        encoder.frame(
            requestId: "1.1", timestamp: 1, opcode: 1,
            payload: Array("451-[\"updateHistoryNewFast\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
        encoder.frame(requestId: "1.1", timestamp: 1.0001, opcode: 2, payload: Array(history.utf8), into: &out)
        let decoder = try MarketDecoder()
        var snapshots: [HistorySnapshot] = []
        for line in out.split(separator: 0x0A) {
            decoder.decode(line: line) { if case let .history(h) = $0 { snapshots.append(h) } }
        }
        let snapshot = try #require(snapshots.first)
        #expect(snapshot.ticks.map(\.time) == [1_756_866_700])
        #expect(snapshot.candles.map(\.time) == [1_756_866_600])
        #expect(decoder.stats.malformed(.absurdValue) == 4)
    }
}
