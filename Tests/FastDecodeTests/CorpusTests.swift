import Foundation
import Testing

@testable import FastDecode

@Suite("Real PocketOption captures")
struct CorpusTests {
    @Test("every live tick decodes exactly as the independent Python reference does", arguments: Fixture.sessions)
    func everyTickExact(session: String) throws {
        let expected = Fixture.lines("\(session).ticks.jsonl").map { line -> NamedTick in
            let obj = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return NamedTick(
                asset: obj["asset"] as! String, time: (obj["time"] as! NSNumber).doubleValue,
                price: (obj["price"] as! NSNumber).doubleValue)
        }
        let result = decodeAll(Fixture.lines("\(session).cdp.jsonl"))
        #expect(expected.count > 100)
        #expect(result.ticks == expected)
        #expect(result.decoder.stats.malformedTotal == 0)
        #expect(result.decoder.stats.orphanAttachments == 0)
    }

    @Test("perf-log and CDP forms of the same frames give identical events", arguments: Fixture.sessions)
    func formsAgree(session: String) {
        let cdp = decodeAll(Fixture.lines("\(session).cdp.jsonl"))
        let perf = decodeAll(Fixture.lines("\(session).perflog.jsonl"))
        #expect(cdp.events.count > 100)
        #expect(named(cdp.events, cdp.decoder.assets) == named(perf.events, perf.decoder.assets))
        #expect(cdp.decoder.stats.ticks == perf.decoder.stats.ticks)
        #expect(perf.decoder.stats.malformedTotal == 0)
    }

    @Test("history and chart events are decoded with their content")
    func historyAndCharts() throws {
        let result = decodeAll(Fixture.lines("pocketoption-20250903_003350.cdp.jsonl"))
        let histories = result.events.compactMap { e -> HistorySnapshot? in
            if case let .history(h) = e { return h } else { return nil }
        }
        let charts = result.events.compactMap { e -> ChartFocus? in
            if case let .chart(c) = e { return c } else { return nil }
        }
        #expect(histories.count == 2)
        let fast = try #require(histories.first { $0.source == .updateHistoryNewFast })
        #expect(result.decoder.assets.name(of: fast.asset) == "EURGBP_otc")
        #expect(fast.period == 60)
        #expect(fast.ticks.count > 1000)
        #expect(fast.ticks.first == PricePoint(time: 1756866001.217, price: 0.87894))
        // Candles arrive newest first; the decoder hands them on oldest first.
        #expect(fast.candles.count > 50)
        #expect(zip(fast.candles, fast.candles.dropFirst()).allSatisfy { $0.time < $1.time })
        let period = try #require(histories.first { $0.source == .loadHistoryPeriodFast })
        #expect(period.candles.count == 150)
        #expect(period.candles.first?.time == 1_756_851_840)
        #expect(period.candles.first?.close == 0.878)
        #expect(charts.count == 1)
        #expect(result.decoder.assets.name(of: charts[0].asset) == "EURGBP_otc")
        #expect(charts[0].chartPeriod == 4)
        // The three broker sockets are told apart and seen opening.
        #expect(result.decoder.stats.socketsOpened == 3)
        #expect(result.decoder.stats.otherEvents["signals/update"] == 4)
    }

    @Test("the decode path never allocates a String per tick: names come from the shared directory")
    func internedAssets() {
        let result = decodeAll(Fixture.lines("pocketoption-20250903_012215.cdp.jsonl"))
        let names = result.decoder.assets.allNames
        #expect(Set(names).count == names.count)
        #expect(names.contains("GBPUSD_otc"))
    }
}
