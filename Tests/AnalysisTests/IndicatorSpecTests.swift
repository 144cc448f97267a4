import Indicators
import Testing

/// The indicator spec parser: instances, column names and error messages.
@Suite("Indicator specs")
struct IndicatorSpecTests {
    /// Test: the brief's example spec gives the expected columns.
    @Test("the brief's example spec gives the expected columns")
    func columns() throws {
        let set = try IndicatorSet(spec: "sma(20),ema(20),rsi(14),macd(12,26,9),bbands(20,2),atr(14),stoch(14,3,3)")
        #expect(
            set.columns == [
                "sma_20", "ema_20", "rsi_14", "macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist",
                "bbands_20_2_upper", "bbands_20_2_middle", "bbands_20_2_lower", "atr_14", "stoch_14_3_3_k",
                "stoch_14_3_3_d",
            ])
    }

    /// Test: parameter formatting, defaults, aliases, the rest of the indicators.
    @Test("parameter formatting, defaults, aliases, the rest of the indicators")
    func formatting() throws {
        #expect(try IndicatorSpecParser.parseOne("bbands(20,2.5)").columns.first == "bbands_20_2.5_upper")
        #expect(try IndicatorSpecParser.parseOne("bbands(20,2.0)").name == "bbands_20_2")
        #expect(try IndicatorSpecParser.parseOne("bbands(20,2,1)").name == "bbands_20_2_1")
        #expect(try IndicatorSpecParser.parseOne("RSI").name == "rsi_14")
        #expect(try IndicatorSpecParser.parseOne("bollinger(20, 2)").name == "bbands_20_2")
        #expect(
            try IndicatorSpecParser.parseOne("supertrend(10,3)").columns == [
                "supertrend_10_3", "supertrend_10_3_direction",
            ])
        #expect(try IndicatorSpecParser.parseOne("williams_r(14)").name == "willr_14")
        #expect(
            try IndicatorSpecParser.parse("wma(9),cci(20),roc(10),adx(14)").flatMap(\.columns) == [
                "wma_9", "cci_20", "roc_10", "adx_14",
            ])
        #expect(try IndicatorSpecParser.parse("rsi(14), rsi(14)").count == 1)
    }

    /// Test: clear errors.
    @Test(
        "clear errors",
        arguments: [
            ("foo(3)", "unknown indicator \"foo\""),
            ("rsi(14,2)", "rsi takes at most 1 parameter(s) (period), got 2"),
            ("rsi(abc)", "rsi: period \"abc\" is not a number"),
            ("rsi(14.5)", "rsi: period must be a whole number, got 14.5"),
            ("sma(1)", "sma: period must be at least 2, got 1"),
            ("macd(12,26", "missing ')'"),
            ("rsi(14),,sma(2)", "empty entry"),
            ("bbands()", "bbands needs at least 1 parameter(s)"),
        ])
    func errors(_ text: String, _ expected: String) {
        do {
            _ = try IndicatorSpecParser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    /// Test: the original tool's calculate_indicators instances map to specs.
    @Test("the original tool's calculate_indicators instances map to specs")
    func originalInstances() throws {
        #expect(try IndicatorSpec(originalType: "sma", params: ["period": 20]).name == "sma_20")
        #expect(
            try IndicatorSpec(originalType: "bollinger", params: ["period": 20, "std_dev": 2]).name == "bbands_20_2")
        #expect(try IndicatorSpec(originalType: "RSI", params: [:]).name == "rsi_14")
        #expect(
            try IndicatorSpec(originalType: "macd", params: ["fast_period": 8, "slow_period": 21, "signal_period": 5])
                .name == "macd_8_21_5")
        #expect(throws: IndicatorSpecError.self) { try IndicatorSpec(originalType: "sma", params: ["size": 3]) }
        #expect(throws: IndicatorSpecError.self) { try IndicatorSpec(originalType: "vwap", params: [:]) }
    }

    /// Test: table CSV output.
    @Test("indicator table as CSV: timestamp first, empty cells before the lookback")
    func tableCSV() throws {
        var g = CandleGenerator(seed: 5)
        let candles = g.candles(30, shape: .walk)
        let table = try IndicatorTable.compute(candles, spec: "sma(3),macd(2,4,2)")
        let lines = table.csv().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "timestamp,sma_3,macd_2_4_2,macd_2_4_2_signal,macd_2_4_2_hist")
        #expect(lines[1].hasPrefix("1756000000,,"))
        #expect(!lines[3].split(separator: ",", omittingEmptySubsequences: false)[1].isEmpty)
        #expect(lines.count == 32)
    }
}
