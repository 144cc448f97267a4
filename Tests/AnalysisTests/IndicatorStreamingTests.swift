import Indicators
import Testing

/// Streaming behaviour: previews of a forming candle do not drift, seeding never counts twice.
@Suite("Indicator streaming")
struct IndicatorStreamingTests {
    /// Helper: `specs`.
    static let specs = (try? IndicatorSpecParser.parse(IndicatorTALibTests.specText)) ?? []

    /// Helper: `same`.
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    /// Helper: `batch`.
    static func batch(_ candles: [AnalysisCandle]) -> [[Double]] {
        var set = IndicatorSet(specs)
        var row: [Double] = []
        return candles.map { c in
            set.push(c, into: &row)
            return row
        }
    }

    /// Test: revising a forming candle many times, then closing it, gives the batch values bit for bit.
    @Test("revising a forming candle many times, then closing it, gives the batch values bit for bit")
    func revisionWithoutDrift() {
        var g = CandleGenerator(seed: 7)
        let candles = g.candles(1500, shape: .walk)
        let expected = Self.batch(candles)
        var set = IndicatorSet(Self.specs)
        var row: [Double] = []
        var preview: [Double] = []
        for (i, c) in candles.enumerated() {
            for k in 0..<6 {
                var forming = c
                forming.close = c.close + Double(k - 3) * 0.0001
                forming.high = Swift.max(c.high, forming.close) + Double(k) * 0.00005
                forming.low = Swift.min(c.low, forming.close)
                set.preview(forming, into: &preview)
            }
            set.preview(c, into: &preview)
            #expect(Self.same(preview, expected[i]), "preview of the final candle \(i) differs from the batch value")
            set.push(c, into: &row)
            #expect(Self.same(row, expected[i]), "candle \(i) differs from the batch value after previews")
            if !Self.same(row, expected[i]) { break }
        }
    }

    /// Test: each indicator type previews without mutating (typed API).
    @Test("each indicator type previews without mutating (typed API)")
    func typedPreview() {
        var g = CandleGenerator(seed: 8)
        let candles = g.candles(400, shape: .zigzag)
        var rsi = RSI(period: 14)
        var reference = RSI(period: 14)
        var macd = MACD(fast: 12, slow: 26, signal: 9)
        var macdReference = MACD(fast: 12, slow: 26, signal: 9)
        for c in candles {
            var forming = c
            for k in 0..<20 {
                forming.close = c.close * (1 + Double(k % 5 - 2) * 0.001)
                _ = rsi.preview(forming)
                _ = macd.preview(forming)
            }
            #expect(rsi.preview(c) == reference.preview(c))
            #expect(rsi.push(c) == reference.push(c))
            #expect(macd.push(c) == macdReference.push(c))
        }
    }

    /// Test: seeding from history, then pushing overlapping candles, counts nothing twice.
    @Test("seeding from history, then pushing overlapping candles, counts nothing twice")
    func seedingWithoutDoubleCounting() {
        var g = CandleGenerator(seed: 9)
        let candles = g.candles(3000, shape: .walk)
        let expected = Self.batch(candles)
        var set = IndicatorSet(Self.specs)
        var row: [Double] = []
        for c in candles[0..<1000] { set.push(c, into: &row) }
        var accepted = 0
        var last: [Double] = row
        for (offset, c) in candles[500..<3000].enumerated() {
            let i = 500 + offset
            if set.push(c, into: &row) {
                accepted += 1
                #expect(Self.same(row, expected[i]), "candle \(i) differs after overlapping seed")
                last = row
            } else {
                #expect(i < 1000, "candle \(i) was wrongly ignored")
            }
        }
        #expect(accepted == 2000)
        #expect(Self.same(last, expected[2999]))

        var sma = SMA(period: 3)
        let c0 = candles[0], c1 = candles[1], c2 = candles[2]
        sma.seed([c0, c1, c2])
        let v = sma.current
        #expect(sma.push(c1) == v, "a candle older than the last committed one is ignored")
        #expect(sma.push(c2) == v, "re-pushing the last committed candle is ignored")
        #expect(sma.preview(c2) == v)
    }
}
