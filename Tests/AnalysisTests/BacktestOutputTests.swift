import Backtest
import FastDecode
import Foundation
import Indicators
import Testing
import TextWriters

/// Result JSON shape, extended statistics, trades CSV and the HTML report.
@Suite("Backtest outputs")
struct BacktestOutputTests {
    /// Helper: `sample`.
    static func sample() -> BacktestResult {
        var g = CandleGenerator(seed: 41)
        return Backtester.run(candles: g.candles(3000, shape: .zigzag), strategy: QuantumFlux())
    }

    /// Test: JSON has exactly the original's keys, plus extended statistics when asked.
    @Test("JSON has exactly the original's keys, plus extended statistics when asked")
    func jsonShape() throws {
        let r = Self.sample()
        let o = try JSONSerialization.jsonObject(with: Data(BacktestJSON.encode(r).utf8)) as? [String: Any] ?? [:]
        #expect(Set(o.keys) == ["trades", "equity_curve", "statistics"])
        let t = (o["trades"] as? [[String: Any]])?.first ?? [:]
        #expect(Set(t.keys) == ["timestamp", "signal", "entry_price", "exit_price", "won", "profit", "balance"])
        let s = o["statistics"] as? [String: Any] ?? [:]
        #expect(
            Set(s.keys) == [
                "total_trades", "wins", "losses", "win_rate", "starting_balance", "ending_balance", "total_profit",
                "profit_percentage",
            ])
        let x =
            try JSONSerialization.jsonObject(
                with: Data(BacktestJSON.encode(r, timestamps: .text, extended: ExtendedStatistics(r)).utf8))
            as? [String: Any] ?? [:]
        #expect(x["extended"] is [String: Any])
        #expect(((x["trades"] as? [[String: Any]])?.first?["timestamp"] as? String)?.count == 19)
        #expect(
            JSONWriter.format(0.1) == "0.1" && JSONWriter.format(.nan) == "null"
                && JSONWriter.quote("a\"b\n") == "\"a\\\"b\\n\"")
    }

    /// Test: extended statistics on a hand-made result.
    @Test("extended statistics on a hand-made result")
    func extended() {
        var o = BacktestOptions()
        o.window = 1
        o.stake = .fixed(100)
        let closes: [Double] = [1, 2, 1, 0.5, 0.4, 0.3, 0.6, 0.6, 0.7]
        let candles = closes.enumerated().map {
            AnalysisCandle(
                timestamp: Double($0.offset) * 60, open: $0.element, high: $0.element, low: $0.element,
                close: $0.element)
        }
        // calls everywhere: wins when the next close is higher
        let signals = [TradeSignal?](repeating: .call, count: candles.count)
        let r = Backtester.run(candles: candles, signals: signals, options: o, strategy: "test")
        // trades at i=1..7: 2→1 L, 1→0.5 L, 0.5→0.4 L, 0.4→0.3 L, 0.3→0.6 W, 0.6→0.6 tie L, 0.6→0.7 W
        #expect(r.trades.map(\.won) == [false, false, false, false, true, false, true])
        let x = ExtendedStatistics(r)
        #expect(x.longestLosingStreak == 4)
        #expect(x.maxDrawdown == 420)
        #expect(abs(x.maxDrawdownPercent - 4.2) < 1e-12)
        #expect(x.maxDrawdownDurationTrades == 7)
        #expect(abs(x.breakEvenWinRate - 1 / 1.8) < 1e-15)
        #expect(abs(x.profitFactor! - 160.0 / 500.0) < 1e-12)
        #expect(abs(x.expectancy - (-340.0 / 7)) < 1e-9)
        #expect(x.winRateLow < 2.0 / 7 && 2.0 / 7 < x.winRateHigh)
        #expect(abs(x.exposure - 7.0 / 8.0) < 1e-12)
        #expect(x.sqn != nil && x.sharpePerTrade != nil)
    }

    /// Test: HTML report is self-contained and has charts, statistics and trades.
    @Test("HTML report is self-contained and has charts, statistics and trades")
    func html() {
        let r = Self.sample()
        let h = HTMLReport.render(r)
        #expect(h.hasPrefix("<!DOCTYPE html>"))
        #expect(h.contains("<svg") && h.contains("<polyline") && h.contains("<polygon"))
        #expect(h.contains("Max drawdown") && h.contains("profit_percentage"))
        #expect(
            !h.contains("http") && !h.contains("<script") && !h.contains("<link") && !h.contains("@import")
                && !h.contains("url("))
        #expect(h.components(separatedBy: "<tr>").count > r.trades.count)
    }

    /// Test: trades CSV.
    @Test("trades CSV")
    func tradesCSV() {
        let r = Self.sample()
        let lines = TradesCSV.render(r).split(separator: "\n")
        #expect(lines.first == "timestamp,time,signal,entry_price,exit_price,won,profit,balance")
        #expect(lines.count == r.trades.count + 1)
    }
}
