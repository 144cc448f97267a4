import Backtest
import Indicators
import Testing

/// DeMarker and Schaff Trend Cycle (the original tool's formulas, compat.md): streaming values
/// equal a batch restatement, the first value comes at the lookback, previews change nothing,
/// and the specs accept the original's names.
@Suite("DeMarker and Schaff Trend Cycle")
struct OriginalIndicatorKindsTests {
    /// Batch DeMarker: fresh window sums at every candle.
    static func demarker(_ c: [AnalysisCandle], _ n: Int) -> [Double?] {
        var out = [Double?](repeating: nil, count: c.count)
        guard c.count > n else { return out }
        for i in n..<c.count {
            var a = 0.0, b = 0.0
            for k in (i - n + 1)...i {
                a += c[k].high > c[k - 1].high ? c[k].high - c[k - 1].high : 0
                b += c[k].low < c[k - 1].low ? c[k - 1].low - c[k].low : 0
            }
            a /= Double(n)
            b /= Double(n)
            out[i] = a + b == 0 ? 0 : a / (a + b)
        }
        return out
    }

    /// pandas `ewm(span, adjust=False)` over defined values.
    static func ewm(_ x: [Double?], _ span: Int) -> [Double?] {
        let alpha = 2.0 / Double(span + 1)
        var y: Double?
        return x.map { v in
            guard let v else { return nil }
            y = y.map { (1 - alpha) * $0 + alpha * v } ?? v
            return y
        }
    }

    /// `100·(x - min)/(max - min)` over the last `d` defined values.
    static func stochastic(_ x: [Double?], _ d: Int) -> [Double?] {
        x.indices.map { i in
            guard i - d + 1 >= 0, let v = x[i] else { return nil }
            let window = x[(i - d + 1)...i]
            guard window.allSatisfy({ $0 != nil }) else { return nil }
            let lo = window.map { $0! }.min()!, hi = window.map { $0! }.max()!
            return hi == lo ? 0 : 100 * (v - lo) / (hi - lo)
        }
    }

    /// Batch STC.
    static func stc(_ c: [AnalysisCandle], _ f: Int, _ s: Int, _ dm: Int, _ dp: Int) -> [Double?] {
        let close = c.map { Optional($0.close) }
        let macd = zip(ewm(close, f), ewm(close, s)).map { $0! - $1! }.map(Optional.some)
        return ewm(stochastic(ewm(stochastic(macd, dm), dm), dp), dp)
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        default: false
        }
    }

    @Test(
        "streaming equals the batch restatement; the first value comes at the lookback",
        arguments: [(CandleGenerator.Shape.walk, UInt64(11)), (.flatStretches, 12), (.zigzag, 13), (.up, 14)])
    func batchEquality(_ shape: CandleGenerator.Shape, _ seed: UInt64) {
        var g = CandleGenerator(seed: seed)
        let candles = g.candles(1200, shape: shape)
        for n in [1, 10, 14] {
            var d = DeMarker(period: n)
            let expected = Self.demarker(candles, n)
            let got = candles.map { d.push($0) }
            #expect(got.firstIndex { $0 != nil } == d.lookback)
            #expect(zip(got, expected).allSatisfy(Self.close), "demarker(\(n)) \(shape)")
        }
        for (f, s, dm, dp) in [(10, 20, 3, 3), (23, 50, 10, 10), (5, 3, 1, 4)] {
            var x = SchaffTrendCycle(fast: f, slow: s, dMACD: dm, dPF: dp)
            let expected = Self.stc(candles, f, s, dm, dp)
            let got = candles.map { x.push($0) }
            #expect(got.firstIndex { $0 != nil } == x.lookback)
            #expect(zip(got, expected).allSatisfy(Self.close), "stc(\(f),\(s),\(dm),\(dp)) \(shape)")
            #expect(got.compactMap { $0 }.allSatisfy { $0 >= -1e-9 && $0 <= 100 + 1e-9 })
        }
    }

    @Test("previews of a forming candle change nothing; seeding twice counts nothing twice")
    func previewAndSeeding() {
        var g = CandleGenerator(seed: 21)
        let candles = g.candles(600, shape: .walk)
        var dem = DeMarker(period: 10), demRef = DeMarker(period: 10)
        var stc = SchaffTrendCycle(fast: 10, slow: 20, dMACD: 3, dPF: 3)
        var stcRef = SchaffTrendCycle(fast: 10, slow: 20, dMACD: 3, dPF: 3)
        for c in candles {
            var forming = c
            for k in 0..<8 {
                forming.close = c.close * (1 + Double(k % 5 - 2) * 0.001)
                forming.high = max(c.high, forming.close)
                forming.low = min(c.low, forming.close)
                _ = dem.preview(forming)
                _ = stc.preview(forming)
            }
            #expect(dem.preview(c) == demRef.preview(c))
            #expect(stc.preview(c) == stcRef.preview(c))
            #expect(dem.push(c) == demRef.push(c))
            #expect(stc.push(c) == stcRef.push(c))
        }
        var seeded = SchaffTrendCycle(fast: 10, slow: 20, dMACD: 3, dPF: 3)
        seeded.seed(candles[0..<400])
        seeded.seed(candles[300..<600])  // overlapping history: the first 100 are ignored
        #expect(seeded.current == stcRef.current)
        var seededDem = DeMarker(period: 10)
        seededDem.seed(candles[0..<400])
        seededDem.seed(candles)
        #expect(seededDem.current == demRef.current)
    }

    @Test("specs: qflux's and the original's names, defaults and parameter names")
    func specs() throws {
        #expect(try IndicatorSpecParser.parse("demarker,stc").map(\.columns) == [["demarker_10"], ["stc_10_20_3_3"]])
        #expect(try IndicatorSpecParser.parse("schaff_tc(12,26,5,4)").map(\.name) == ["stc_12_26_5_4"])
        let original = try IndicatorSpec(
            originalType: "schaff_tc", params: ["fast": 23, "slow": 50, "d_macd": 10, "d_pf": 10])
        #expect(original.parameters == [23, 50, 10, 10])
        #expect(try IndicatorSpec(originalType: "demarker", params: [:]).parameters == [10])
        #expect(try IndicatorSpec(originalType: "stochastic", params: ["k": 14, "d": 3]).parameters == [14, 3, 3])
        #expect(throws: IndicatorSpecError.self) { try IndicatorSpec(originalType: "stc", params: ["fast": 0]) }
    }
}

/// The rules language names the two kinds like any other.
@Suite("Rules with DeMarker and STC")
struct OriginalIndicatorRulesTests {
    @Test("a rule on stc and demarker signals where the indicators computed directly say so")
    func rules() throws {
        var g = CandleGenerator(seed: 31)
        let candles = g.candles(800, shape: .walk)
        let strategy = try RuleStrategy(source: "call: stc(10,20,3,3) < 25 and demarker(10) < 0.5\nput: stc > 75")
        let signals = strategy.signals(for: candles, window: 0)
        var stc = SchaffTrendCycle(fast: 10, slow: 20, dMACD: 3, dPF: 3)
        var dem = DeMarker(period: 10)
        var expected: [TradeSignal?] = []
        for c in candles {
            let s = stc.push(c), d = dem.push(c)
            let call = (s.map { $0 < 25 } ?? false) && (d.map { $0 < 0.5 } ?? false)
            let put = s.map { $0 > 75 } ?? false
            expected.append(call && !put ? .call : put && !call ? .put : nil)
        }
        #expect(signals == expected)
        #expect(signals.contains(.call) && signals.contains(.put))
    }
}
