import Indicators
import Testing

/// What one indicators request may cost (issue 28, defect 2): the instance cap, the memory and
/// work estimates, windows that grow only with the series, and tables that keep only the rows
/// asked for.
@Suite("Indicator budget")
struct IndicatorBudgetTests {
    static func specs(_ text: String, times n: Int) throws -> [IndicatorSpec] {
        Array(repeating: try IndicatorSpecParser.parse(text), count: n).flatMap { $0 }
    }

    /// Test: the attack – 1,100 × willr(100000) – is refused by the instance cap, naming it.
    @Test("1,100 x willr(100000) is refused by the instance cap, naming it")
    func instanceCap() throws {
        let attack = try Self.specs("willr(100000)", times: 1_100)
        let e = try #require(IndicatorBudget.serverRequest.check(attack, candles: 800, keptRows: 500))
        #expect(e.message == "1100 indicator instances, more than the 64 allowed per request")
        #expect(IndicatorBudget.serverRequest.check(Array(attack.prefix(64)), candles: 800, keptRows: 500) == nil)
    }

    /// Test: windows are estimated at min(period, candles): 64 × willr(100000) over 800
    /// candles is small; over 100,000 candles it is over the 64 MB of a request.
    @Test("window memory is estimated at min(period, candles)")
    func windowsByCandles() throws {
        let many = try Self.specs("willr(100000)", times: 64)
        let small = IndicatorBudget.estimate(many, candles: 800, keptRows: 500)
        #expect(small.bytes < 8 << 20, "\(small)")
        let large = IndicatorBudget.estimate(many, candles: 100_000, keptRows: 500)
        #expect(large.bytes > 64 << 20, "\(large)")
        let e = try #require(IndicatorBudget.serverRequest.check(many, candles: 100_000, keptRows: 500))
        #expect(e.message.contains("more than the 64 MB allowed per request"), "\(e)")
    }

    /// Test: CCI's O(period) updates count as work: 64 × cci(1000) over a million candles is
    /// refused (its windows are small); 40 × rsi(14) over the same candles is not.
    @Test("CCI's O(period) updates count as work")
    func work() throws {
        let e = try #require(
            IndicatorBudget.serverRequest.check(
                try Self.specs("cci(1000)", times: 64), candles: 1_000_000, keptRows: 500))
        #expect(e.message.contains("updates, more than the 50000000 allowed per request"), "\(e)")
        #expect(
            IndicatorBudget.serverRequest.check(try Self.specs("rsi(14)", times: 40), candles: 1_000_000, keptRows: 500)
                == nil)
    }

    /// Test: kept rows count: their text must fit a reply (16 MACDs over 500 points do, 64 do
    /// not), and rows and text count as memory (256 MACDs over a million kept rows on the
    /// command line).
    @Test("kept rows count toward the reply and the memory")
    func keptRows() throws {
        #expect(
            IndicatorBudget.serverRequest.check(
                try Self.specs("macd(12,26,9)", times: 16), candles: 100_000, keptRows: 500) == nil)
        let reply = try #require(
            IndicatorBudget.serverRequest.check(
                try Self.specs("macd(12,26,9)", times: 64), candles: 100_000, keptRows: 500))
        #expect(
            reply.message.contains("would make a reply of about 3 MB, more than the 2 MB allowed per request"),
            "\(reply)")
        // A server with a larger client budget (--client-budget-kb 16384) allows that reply.
        #expect(
            IndicatorBudget.serverRequest(maxReplyBytes: 8 << 20).check(
                try Self.specs("macd(12,26,9)", times: 64), candles: 100_000, keptRows: 500) == nil)
        let memory = try #require(
            IndicatorBudget.commandLine.check(
                try Self.specs("macd(12,26,9)", times: 256), candles: 1_000_000,
                keptRows: 1_000_000))
        #expect(memory.message.contains("MB, more than the 1024 MB allowed per request"), "\(memory)")
    }

    /// Test: keeping the last rows gives exactly the tail of the full table (candles out of
    /// order skipped the same way), with the candle count of the whole series.
    @Test("keepingLast gives the tail of the full table")
    func keepingLast() throws {
        var g = CandleGenerator(seed: 77)
        var candles = g.candles(600, shape: .walk)
        candles.insert(candles[100], at: 300)  // an old candle again: skipped
        let specs = try IndicatorSpecParser.parse("rsi(14),bbands(20,2),willr(100000),stoch(5,3,3)")
        let full = IndicatorTable.compute(candles, specs: specs)
        let tail = IndicatorTable.compute(candles, specs: specs, keepingLast: 50)
        #expect(full.timestamps.count == 600 && full.candleCount == 600)
        #expect(tail.candleCount == 600 && tail.timestamps == Array(full.timestamps.suffix(50)))
        #expect(tail.values == Array(full.values.suffix(50)))
        #expect(IndicatorTable.compute(candles, specs: specs, keepingLast: 0).timestamps.isEmpty)
    }

    /// Test: a window grows with the values pushed, never past its period, and wraps exactly
    /// like a preallocated one (values checked against a plain array).
    @Test("windows grow with the series up to their period")
    func lazyWindows() {
        var ring = DoubleRing(capacity: 100_000)
        for i in 0..<500 { ring.append(Double(i)) }
        #expect(ring.count == 500 && !ring.isFull && ring.oldest == 0 && ring.value(back: 0) == 499)
        var small = DoubleRing(capacity: 7)
        var plain: [Double] = []
        var extreme = WindowExtreme(period: 7, isMax: true)
        var g = CandleGenerator(seed: 3)
        for _ in 0..<100 {
            let x = g.uniform()
            small.append(x)
            plain.append(x)
            let window = plain.suffix(7)
            #expect(small.oldest == window.first! && small.value(back: 0) == x)
            #expect(extreme.peek(x) == window.max()!)
            #expect(extreme.push(x) == window.max()!)
        }
        var wide = WindowExtreme(period: 100_000, isMax: false)
        var lowest = Double.infinity
        for _ in 0..<5_000 {
            let x = g.uniform()
            lowest = min(lowest, x)
            #expect(wide.push(x) == lowest)
        }
    }
}
