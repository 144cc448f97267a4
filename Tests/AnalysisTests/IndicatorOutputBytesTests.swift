import Backtest
import Indicators
import Testing
import TextWriters

/// `qflux indicators`' byte output (`IndicatorGrid`) and the backtest JSON's numbers
/// (`JSONWriter.numberAsDescription`) against the String code they replaced: the same bytes.
@Suite("Indicator and backtest output as bytes")
struct IndicatorOutputBytesTests {
    static let allIndicators =
        "sma(5),ema(5),wma(5),rsi(5),macd(3,6,2),bbands(5,2),stoch(5,3,3),atr(5),cci(5),willr(5),roc(5),adx(5),supertrend(5,3)"

    /// The command's JSON lines before the change (IndicatorsCommand.jsonl over IndicatorTable),
    /// kept as the oracle.
    static func oldJSONL(_ table: IndicatorTable) -> String {
        var keys: [[UInt8]] = []
        for name in table.columns {
            var w = JSONWriter()
            w.comma()
            w.string(name)
            w.raw(":")
            keys.append(w.bytes)
        }
        var w = JSONWriter(capacity: table.timestamps.count * (16 + 24 * table.columns.count))
        for (i, t) in table.timestamps.enumerated() {
            w.raw("{\"timestamp\":")
            w.number(t)
            for (k, v) in table.values[i].enumerated() {
                w.raw(keys[k])
                if let v { w.number(v) } else { w.raw("null") }
            }
            w.raw("}")
            w.newline()
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Test: CSV and JSON lines equal the old text byte for byte, from the grid and written row by
    /// row: real fixtures, random walks (with repeated and out-of-order timestamps; 3,000 rows ×
    /// 30 columns, past the 1 MB pieces) and the huge-value candles.
    @Test("CSV and JSON lines: the same bytes as IndicatorTable and the old writer")
    func sameBytes() throws {
        var g = CandleGenerator(seed: 11)
        var walk = g.candles(3000, shape: .zigzag)
        walk.insert(walk[100], at: 200)  // not newer than its predecessor: skipped
        var series: [[AnalysisCandle]] = [
            try AnalysisTestSupport.fixtureCandles("EURGBP_otc-1s.csv"),
            try AnalysisTestSupport.fixtureCandles("GBPUSD_otc-1s.csv"), walk,
            g.candles(500, shape: .flatStretches, decimals: 3, step: 0.25, t0: 1_756_000_000.125),
        ]
        for (start, step) in [(0.0, 60.0), (1e15, 1e10), (1e300, 1e290)] {
            series.append(HugeValueMathTests.hostile(count: 300, start: start, step: step))
        }
        for candles in series {
            for spec in [Self.allIndicators, "rsi(14)", "sma(20),bbands(20,2),stoch(14,3,3)"] {
                let specs = try IndicatorSpecParser.parse(spec)
                let table = IndicatorTable.compute(candles, specs: specs)
                let grid = IndicatorGrid.compute(CandleColumns(candles), specs: specs)
                #expect(grid.rowCount == table.timestamps.count)
                #expect(grid.csv() == Array(table.csv().utf8))
                #expect(grid.jsonl() == Array(Self.oldJSONL(table).utf8))
                // Computed and written row by row, in pieces of about 1 MB (the command's road).
                for (format, expected) in [(IndicatorGrid.Format.csv, table.csv()), (.jsonl, Self.oldJSONL(table))] {
                    var streamed: [UInt8] = []
                    IndicatorGrid.write(CandleColumns(candles), specs: specs, format: format) {
                        streamed.append(contentsOf: $0)
                    }
                    #expect(streamed == Array(expected.utf8))
                }
            }
        }
    }

    /// Test: numbers as the backtest JSON writes them equal Swift's `description` (the old
    /// `"\(v)"`): edge values and 100,000 random ones of every magnitude.
    @Test("backtest JSON numbers: Swift's description, byte for byte")
    func descriptionNumbers() {
        var values: [Double] = [
            0, -0.0, 1, -1, 10_000, 0.1, 1e-5, 1e-4, 0.00012, 123.456, 1e14, 999_999_999_999_999, 1e15, 1e16,
            9_007_199_254_740_992, -2.5e-300, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .nan, .infinity,
            -.infinity, 0.1 + 0.2, 10_000.000000000002,
        ]
        var g = CandleGenerator(seed: 3)
        for k in 0..<100_000 {
            switch k % 4 {
            case 0: values.append(Double(bitPattern: g.next()))
            case 1: values.append((g.uniform() * 20_000).rounded() / 100)
            case 2: values.append(Double(Int64(bitPattern: g.next()) >> Int(g.next() % 64)))
            default: values.append((g.uniform() - 0.5) * pow10(Int(g.next() % 40) - 20))
            }
        }
        var w = JSONWriter()
        var expected: [UInt8] = []
        for v in values {
            w.numberAsDescription(v)
            w.comma()
            expected += Array(JSONWriter.format(v).utf8) + [UInt8(ascii: ",")]
        }
        #expect(w.bytes == expected)
    }

    private func pow10(_ k: Int) -> Double {
        var v = 1.0
        for _ in 0..<abs(k) { v *= 10 }
        return k < 0 ? 1 / v : v
    }
}
