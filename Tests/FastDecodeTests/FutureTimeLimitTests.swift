import Foundation
import Testing

@testable import FastDecode

/// No market datum, live or recorded, is dated after the moment it is read: a time more than
/// `MarketLimits.futureTolerance` past this machine's clock is refused like any absurd value.
/// Before, every time up to 2100-01-01 passed, and one tick dated 2099 froze its asset's candles.
@Suite("Times past the machine's clock are refused")
struct FutureTimeLimitTests {
    /// 2099-01-01T00:00:00Z.
    static let year2099 = 4_070_908_800.0
    static var now: Double { Date().timeIntervalSince1970 }

    @Test("the bound is the wall clock plus the tolerance, whatever the cache held before")
    func boundFollowsTheClock() {
        #expect(MarketLimits.isSane(time: Self.now))
        #expect(MarketLimits.isSane(time: 1_756_866_774.962))
        #expect(MarketLimits.isSane(time: Self.now + MarketLimits.futureTolerance / 2))
        #expect(!MarketLimits.isSane(time: Self.now + MarketLimits.futureTolerance + 60))
        #expect(!MarketLimits.isSane(time: Self.year2099))
        #expect(!MarketLimits.isSane(time: Self.year2099, price: 1.1))
        // Refusals do not move the bound: the present is still accepted afterwards.
        #expect(MarketLimits.isSane(time: Self.now, price: 1.1))
        #expect(MarketLimits.times.upperBound <= Self.now + MarketLimits.futureTolerance + 1)
    }

    @Test(
        "non-finite, negative and overflowing times stay refused on the slow path",
        arguments: [Double.nan, .infinity, -.infinity, -1, -1e308, 1e308, .greatestFiniteMagnitude])
    func absurdTimes(time: Double) {
        #expect(!MarketLimits.isSane(time: time))
    }

    @Test("the bound is read by several threads at once without disagreeing on sane times")
    func concurrentChecks() async {
        let now = Self.now
        let refused = await withTaskGroup(of: Int.self) { group in
            for i in 0..<4 {
                group.addTask {
                    var refused = 0
                    for k in 0..<50_000 {
                        // Alternate sane and future times so the cache is refreshed concurrently.
                        let t = (k + i) % 2 == 0 ? now : Self.year2099
                        if !MarketLimits.isSane(time: t) { refused += 1 }
                    }
                    return refused
                }
            }
            return await group.reduce(0, +)
        }
        #expect(refused == 4 * 25_000)
    }

    @Test("a live tick dated 2099 amid normal ticks is counted as absurd_value and skipped")
    func decoderRefusesLiveTick() throws {
        let bytes = AbsurdValueTests.updateStream(
            #"["EURUSD_otc",1756866774.962,1.16558],["EURUSD_otc",\#(Self.year2099),1.2],["EURUSD_otc",1756866775.5,1.16559]"#
        )
        let (ticks, stats) = try AbsurdValueTests.decode(bytes)
        #expect(ticks.map(\.time) == [1756866774.962, 1756866775.5])
        #expect(stats.malformed(.absurdValue) == 1)
    }

    @Test("history ticks and candles dated past the clock are skipped, the rest kept")
    func decoderRefusesHistory() throws {
        var encoder = CDPFrameEncoder()
        var out: [UInt8] = []
        let future = Int(Self.now) + 3600
        let history =
            #"{"asset":"EURUSD_otc","period":60,"history":[[1756866700,1.1],[\#(future),1.2],[\#(Self.year2099),1.3]],"#
            + #""candles":[[1756866600,1.1,1.2,1.3,1.0,5],[\#(future),1.1,1.2,1.3,1.0,5]]}"#
        let page =
            #"{"asset":"EURUSD_otc","index":1,"period":60,"data":[{"time":1756866600,"open":1.1,"close":1.2,"high":1.3,"low":1.0},"#
            + #"{"time":\#(future),"open":1.1,"close":1.2,"high":1.3,"low":1.0}]}"#
        for (name, body) in [("updateHistoryNewFast", history), ("loadHistoryPeriodFast", page)] {
            encoder.frame(
                requestId: "1.1", timestamp: 1, opcode: 1,
                payload: Array("451-[\"\(name)\",{\"_placeholder\":true,\"num\":0}]".utf8), into: &out)
            encoder.frame(requestId: "1.1", timestamp: 1.0001, opcode: 2, payload: Array(body.utf8), into: &out)
        }
        let decoder = try MarketDecoder()
        var snapshots: [HistorySnapshot] = []
        for line in out.split(separator: 0x0A) {
            decoder.decode(line: line) { if case let .history(h) = $0 { snapshots.append(h) } }
        }
        #expect(snapshots.count == 2)
        #expect(snapshots.first?.ticks.map(\.time) == [1_756_866_700])
        for snapshot in snapshots {
            #expect(snapshot.candles.map(\.time) == [1_756_866_600])
        }
        #expect(decoder.stats.malformed(.absurdValue) == 4)
    }
}
