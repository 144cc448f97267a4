import Indicators
import Testing

/// The candle CSV loader (the original's `timestamp,open,close,high,low` layout).
@Suite("Candle CSV")
struct CandleCSVTests {
    /// Test: original layout, time forms, missing volume = 1000.
    @Test("original layout, time forms, missing volume = 1000")
    func layouts() throws {
        let text = """
            timestamp,open,close,high,low
            2025-09-03 02:32:00,1.1,1.2,1.3,1.0
            2025-09-03T02:33:00Z,1.2,1.1,1.25,1.05
            1756866840,1.1,1.15,1.2,1.1

            2025-09-03 02:35:00+01:00,1.15,1.16,1.17,1.14
            """
        let c = try CandleCSV.parse(text)
        #expect(c.count == 4)
        #expect(
            c[0] == AnalysisCandle(timestamp: 1_756_866_720, open: 1.1, high: 1.3, low: 1.0, close: 1.2, volume: 1000))
        #expect(c[1].timestamp == 1_756_866_780)
        #expect(c[2].timestamp == 1_756_866_840)
        #expect(c[3].timestamp == 1_756_866_900 - 3600)
        #expect(TimestampParser.format(1_756_866_720) == "2025-09-03 02:32:00")
        #expect(TimestampParser.parse("1756866720000") == 1_756_866_720)
        #expect(TimestampParser.parse("2025-09-03 02:32:00.5Z") == 1_756_866_720.5)
        #expect(TimestampParser.parse("2025-13-03 02:32:00") == nil)
    }

    /// Test: header in another order, with volume; no header = the original's order.
    @Test("header in another order, with volume; no header = the original's order")
    func headers() throws {
        let c = try CandleCSV.parse("Time,Open,High,Low,Close,Volume\n2025-01-01 00:00:00Z,1,3,0.5,2,77\n")
        #expect(c == [AnalysisCandle(timestamp: 1_735_689_600, open: 1, high: 3, low: 0.5, close: 2, volume: 77)])
        let d = try CandleCSV.parse("1735689600,1,2,3,0.5\n")
        #expect(d == [AnalysisCandle(timestamp: 1_735_689_600, open: 1, high: 3, low: 0.5, close: 2)])
    }

    /// Test: bad rows name their line.
    @Test(
        "bad rows name their line",
        arguments: [
            ("timestamp,open,close,high,low\n2025-01-01 00:00:00,1,x,3,0.5\n", "line 2: close \"x\" is not a number"),
            (
                "timestamp,open,close,high,low\n2025-01-01 00:00:00,1,2,3,0.5\nyesterday,1,2,3,0.5\n",
                "line 3: timestamp \"yesterday\" is not a time"
            ),
            ("timestamp,open,close,high,low\n2025-01-01 00:00:00,1,2\n", "line 2: expected at least 4 fields, found 3"),
            ("when,open,close,high,low\n", "line 1: header has no \"timestamp\" column"),
        ])
    func errors(_ text: String, _ expected: String) {
        do {
            _ = try CandleCSV.parse(text)
            Issue.record("parsed")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    /// Test: absurd values (MarketLimits) are refused with their line: huge, zero and negative
    /// prices, times of 1e308 (as seconds or milliseconds), before 1970 or in year 9999 – each
    /// would otherwise reach the indicators, the backtest and integer time conversions.
    @Test(
        "absurd prices and times are refused with their line",
        arguments: [
            (
                "timestamp,open,close,high,low\n1735689600,1,2,3,0.5\n1735689660,1e308,2,3,0.5\n",
                "line 3: open \"1e308\" is not a plausible price"
            ),
            ("1735689600,1,2,3,0.5\n1735689660,1,-2,3,0.5\n", "line 2: close \"-2\" is not a plausible price"),
            ("1735689600,1,2,3,0\n", "line 1: low \"0\" is not a plausible price"),
            ("1735689600,1,2,1e300,0.5\n", "line 1: high \"1e300\" is not a plausible price"),
            (
                "timestamp,open,close,high,low\n1e308,1,2,3,0.5\n",
                "line 2: timestamp \"1e308\" is not a plausible market time"
            ),
            (
                "timestamp,open,close,high,low\n-1e308,1,2,3,0.5\n",
                "line 2: timestamp \"-1e308\" is not a plausible market time"
            ),
            (
                "timestamp,open,close,high,low\n-86400,1,2,3,0.5\n",
                "line 2: timestamp \"-86400\" is not a plausible market time"
            ),
            (
                "timestamp,open,close,high,low\n9999-12-31 23:59:59,1,2,3,0.5\n",
                "line 2: timestamp \"9999-12-31 23:59:59\" is not a plausible market time"
            ),
        ])
    func absurd(_ text: String, _ expected: String) {
        do {
            _ = try CandleCSV.parse(text)
            Issue.record("parsed")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    /// Test: the real fixtures load.
    @Test("the real fixtures load")
    func fixtures() throws {
        let c = try AnalysisTestSupport.fixtureCandles("EURGBP_otc-1s.csv")
        #expect(c.count == 84)
        #expect(zip(c, c.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp })
        let minutes = try AnalysisTestSupport.fixtureCandles("EURGBP_otc-1m.csv")
        #expect(minutes.count == 4 && minutes[0].timestamp == 1_756_866_720 && minutes[0].high == 0.87961)
    }
}
