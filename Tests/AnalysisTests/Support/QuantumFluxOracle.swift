import Backtest
import Foundation
import Indicators

/// Runs `Scripts/quantum_flux_reference.py` and compares its result with qflux's, exactly.
///
/// The reference prints plain text (`--flat`) with `repr()` floats; every number is parsed with
/// Swift's correctly rounded `Double(String)` and compared bit for bit.
enum QuantumFluxOracle {
    /// A reference trade.
    struct Line: Equatable {
        /// Timestamp, signal, entry, exit, won, profit, balance.
        var fields: [String]
    }

    /// The reference's trades and statistics for `candles` with extra command-line options.
    static func reference(_ candles: [AnalysisCandle], _ arguments: [String] = []) throws -> (
        trades: [[String]], stats: [String: Double]
    ) {
        let data = Data(AnalysisTestSupport.candlesJSON(candles).utf8)
        let r = try AnalysisTestSupport.runScript(
            "quantum_flux_reference.py", ["-", "--flat"] + arguments, input: data, timeout: 300)
        guard r.status == 0 else {
            throw TALibOracle.OracleFailure(message: "quantum_flux_reference.py exited \(r.status): \(r.stderr)")
        }
        var trades: [[String]] = []
        var stats: [String: Double] = [:]
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            if f.first == "trade" { trades.append(Array(f.dropFirst())) }
            if f.first == "stat", f.count == 3 { stats[f[1]] = Double(f[2]) }
        }
        return (trades, stats)
    }

    /// Differences between qflux's result and the reference (empty = identical).
    static func differences(_ ours: BacktestResult, _ theirs: (trades: [[String]], stats: [String: Double])) -> [String]
    {
        var out: [String] = []
        func same(_ a: Double, _ b: String, _ what: String) {
            guard let y = Double(b), a.bitPattern == y.bitPattern else {
                out.append("\(what): qflux \(a) vs reference \(b)")
                return
            }
        }
        if ours.trades.count != theirs.trades.count {
            out.append("trade count \(ours.trades.count) vs \(theirs.trades.count)")
        }
        for (i, (t, f)) in zip(ours.trades, theirs.trades).enumerated() {
            guard f.count == 7 else {
                out.append("trades[\(i)]: malformed reference line \(f)")
                continue
            }
            same(t.timestamp, f[0], "trades[\(i)].timestamp")
            if t.signal.rawValue != f[1] { out.append("trades[\(i)].signal: \(t.signal) vs \(f[1])") }
            same(t.entryPrice, f[2], "trades[\(i)].entry_price")
            same(t.exitPrice, f[3], "trades[\(i)].exit_price")
            if "\(t.won)" != f[4] { out.append("trades[\(i)].won: \(t.won) vs \(f[4])") }
            same(t.profit, f[5], "trades[\(i)].profit")
            same(t.balance, f[6], "trades[\(i)].balance")
            if ours.equityCurve[i].balance.bitPattern != t.balance.bitPattern {
                out.append("equity_curve[\(i)] differs from the trade balance")
            }
        }
        let s = ours.statistics
        let mine: [String: Double] = [
            "total_trades": Double(s.totalTrades), "wins": Double(s.wins), "losses": Double(s.losses),
            "win_rate": s.winRate,
            "starting_balance": s.startingBalance, "ending_balance": s.endingBalance, "total_profit": s.totalProfit,
            "profit_percentage": s.profitPercentage,
        ]
        if Set(mine.keys) != Set(theirs.stats.keys) { out.append("statistics keys \(theirs.stats.keys.sorted())") }
        for (k, v) in mine {
            if let y = theirs.stats[k], y.bitPattern == v.bitPattern { continue }
            out.append("statistics.\(k): qflux \(v) vs reference \(String(describing: theirs.stats[k]))")
        }
        return out
    }
}
