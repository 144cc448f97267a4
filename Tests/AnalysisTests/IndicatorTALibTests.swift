import Foundation
import Indicators
import Testing

/// Every indicator equals TA-Lib (relative 1e-9, same lookback) on generated and real candles.
@Suite("Indicators equal TA-Lib")
struct IndicatorTALibTests {
    /// Specs covering every indicator, with default and unusual parameters.
    static let specText =
        "sma(5),sma(20),sma(200),ema(10),ema(50),wma(9),wma(30),rsi(2),rsi(14),rsi(50),"
        + "macd(12,26,9),macd(5,35,5),macd(26,12,9),bbands(20,2),bbands(10,1.5),bbands(20,2,1),bbands(5,1),"
        + "stoch(14,3,3),stoch(5,3,3),stoch(5,1,1),atr(1),atr(14),cci(14),cci(20),willr(14),willr(5),"
        + "roc(1),roc(10),adx(5),adx(14),supertrend(10,3),supertrend(7,2.5),"
        + "demarker(10),demarker(1),demarker(14),stc(10,20,3,3),stc(23,50,10,10),stc(1,2,1,1)"

    /// Helper: `specs`.
    static var specs: [IndicatorSpec] { (try? IndicatorSpecParser.parse(specText)) ?? [] }

    /// Helper: `check`.
    static func check(_ candles: [AnalysisCandle], _ label: String, specs: [IndicatorSpec] = specs) throws {
        let r = try TALibOracle.compare(candles, specs: specs)
        #expect(
            r.mismatches.isEmpty,
            "\(label): \(r.mismatches.count) mismatches, first: \(r.mismatches.prefix(5).map(\.description))")
        #expect(r.compared > 0, "\(label): nothing compared")
        print(
            "TA-Lib \(label): \(r.compared) values compared, \(r.identical) bit-identical, max relative difference \(r.maxRelative); not bit-identical: \(r.inexactColumns.sorted { $0.key < $1.key })"
        )
    }

    /// Test: under CI=true, python3 with TA-Lib must be installed (no silent skip).
    @Test("under CI=true, python3 with TA-Lib must be installed (no silent skip)")
    func oracleInstalledUnderCI() {
        if AnalysisTestSupport.isCI {
            #expect(
                AnalysisTestSupport.talibAvailable,
                "CI=true but python3 cannot import talib and numpy: pip install ta-lib numpy")
        }
    }

    /// Test: seeded random walks, trends, flat stretches, zigzags, large prices.
    @Test(
        "seeded random walks, trends, flat stretches, zigzags, large prices",
        .enabled(if: AnalysisTestSupport.talibAvailable, "needs python3 with ta-lib and numpy"),
        arguments: [
            ("walk", CandleGenerator.Shape.walk, UInt64(1), 5000, 1.1, 5),
            ("up", .up, 2, 3000, 0.85, 5),
            ("down", .down, 3, 3000, 1.35, 5),
            ("flat stretches", .flatStretches, 4, 4000, 1.1, 5),
            ("zigzag", .zigzag, 5, 3000, 1.1, 5),
            ("large prices", .walk, 6, 3000, 30000, 2),
        ])
    func generated(
        _ label: String, _ shape: CandleGenerator.Shape, _ seed: UInt64, _ count: Int, _ price: Double, _ decimals: Int
    ) throws {
        var g = CandleGenerator(seed: seed)
        try Self.check(g.candles(count, shape: shape, price: price, decimals: decimals), label)
    }

    /// Test: a 100,000-candle walk: running sums stay bit-exact.
    @Test(
        "a 100,000-candle walk: running sums stay bit-exact",
        .enabled(if: AnalysisTestSupport.talibAvailable, "needs python3 with ta-lib and numpy"))
    func longSeries() throws {
        var g = CandleGenerator(seed: 42)
        let candles = g.candles(100_000, shape: .walk, price: 1.1)
        try Self.check(
            candles, "100k walk",
            specs: try IndicatorSpecParser.parse(
                "sma(20),wma(30),bbands(20,2),rsi(14),macd(12,26,9),stoch(14,3,3),atr(14),adx(14)"))
    }

    /// Test: real candles from the PocketOption tick fixtures.
    @Test(
        "real candles from the PocketOption tick fixtures",
        .enabled(if: AnalysisTestSupport.talibAvailable, "needs python3 with ta-lib and numpy"),
        arguments: ["EURGBP_otc-1s.csv", "GBPUSD_otc-1s.csv"])
    /// Helper: `realCandles`.
    func realCandles(_ file: String) throws {
        let candles = try AnalysisTestSupport.fixtureCandles(file)
        #expect(candles.count > 30)
        let specs = try IndicatorSpecParser.parse(
            "sma(5),sma(20),ema(10),wma(9),rsi(14),macd(5,13,4),bbands(20,2),stoch(14,3,3),atr(14),cci(14),willr(14),roc(10),adx(7),supertrend(10,3)"
        )
        try Self.check(candles, file, specs: specs)
    }
}
