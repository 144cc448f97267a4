import Indicators
import TextWriters

/// Statistics beyond the original's (analysis.md §4), computed from a `BacktestResult`.
///
/// Conventions: drawdowns are measured on the balance after each trade, starting from the starting
/// balance; the win rate and its Wilson 95 % interval count decided trades (wins + losses, refunds
/// left out); Sharpe is per trade (mean / sample standard deviation of `profit / balance before`);
/// SQN = `sqrt(n) * mean(profit) / sd(profit)`; exposure = share of the candles after the window
/// during which at least one trade was open.
package struct ExtendedStatistics: Sendable, Equatable {
    /// Trades.
    package var trades: Int
    /// Wins.
    package var wins: Int
    /// Losses.
    package var losses: Int
    /// Refunded ties.
    package var refunds: Int
    /// `(ending - starting) / starting * 100`.
    package var returnPercent: Double
    /// Largest peak-to-trough fall of the balance, in money.
    package var maxDrawdown: Double
    /// The same as a percentage of the peak.
    package var maxDrawdownPercent: Double
    /// Longest time under water, in trades (from a peak until the balance exceeds it again, or the end).
    package var maxDrawdownDurationTrades: Int
    /// The same in seconds.
    package var maxDrawdownDurationSeconds: Double
    /// `wins / (wins + losses)` (0 without decided trades).
    package var winRate: Double
    /// Wilson 95 % interval of the win rate, lower bound.
    package var winRateLow: Double
    /// Wilson 95 % interval of the win rate, upper bound.
    package var winRateHigh: Double
    /// Break-even win rate for binary options: `1 / (1 + payout)`.
    package var breakEvenWinRate: Double
    /// Gross profit / gross loss (nil without losses).
    package var profitFactor: Double?
    /// Mean profit per trade (0 without trades).
    package var expectancy: Double
    /// Mean profit of winning trades.
    package var averageWin: Double
    /// Mean profit of losing trades (negative).
    package var averageLoss: Double
    /// Longest run of consecutive losses.
    package var longestLosingStreak: Int
    /// Longest run of consecutive wins.
    package var longestWinningStreak: Int
    /// Per-trade Sharpe ratio (nil with fewer than 2 trades or no variation).
    package var sharpePerTrade: Double?
    /// System quality number (nil with fewer than 2 trades or no variation).
    package var sqn: Double?
    /// Share of candles (after the window) with an open trade, 0...1.
    package var exposure: Double

    /// Computes the statistics of `result`.
    package init(_ result: BacktestResult) {
        let t = result.trades
        let start = result.options.startingBalance
        trades = t.count
        wins = result.statistics.wins
        losses = result.statistics.losses
        refunds = result.refunds
        let ending = result.statistics.endingBalance
        returnPercent = (ending - start) / start * 100

        var peak = start
        var peakTime = result.firstTimestamp
        var peakTrade = 0
        var maxDD = 0.0
        var maxDDPct = 0.0
        var longestTrades = 0
        var longestSeconds = 0.0
        for (k, trade) in t.enumerated() {
            let b = trade.balance
            if b > peak {
                peak = b
                peakTime = trade.timestamp
                peakTrade = k + 1
            } else {
                let dd = peak - b
                if dd > maxDD { maxDD = dd }
                let pct = peak > 0 ? dd / peak * 100 : 0
                if pct > maxDDPct { maxDDPct = pct }
            }
            if b < peak {
                longestTrades = Swift.max(longestTrades, k + 1 - peakTrade)
                longestSeconds = Swift.max(longestSeconds, trade.timestamp - peakTime)
            }
        }
        if let last = t.last, last.balance < peak {
            longestSeconds = Swift.max(longestSeconds, result.lastTimestamp - peakTime)
        }
        maxDrawdown = maxDD
        maxDrawdownPercent = maxDDPct
        maxDrawdownDurationTrades = longestTrades
        maxDrawdownDurationSeconds = longestSeconds

        let decided = wins + losses
        let z = 1.959963984540054
        if decided > 0 {
            let n = Double(decided)
            let p = Double(wins) / n
            let denom = 1 + z * z / n
            let center = (p + z * z / (2 * n)) / denom
            let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denom
            winRate = p
            winRateLow = Swift.max(0, center - half)
            winRateHigh = Swift.min(1, center + half)
        } else {
            winRate = 0
            winRateLow = 0
            winRateHigh = 1
        }
        breakEvenWinRate = 1 / (1 + result.options.payout)

        var grossWin = 0.0
        var grossLoss = 0.0
        var sum = 0.0
        var lossStreak = 0
        var winStreak = 0
        var maxLoss = 0
        var maxWin = 0
        for trade in t {
            sum += trade.profit
            if trade.profit > 0 { grossWin += trade.profit }
            if trade.profit < 0 { grossLoss -= trade.profit }
            if trade.refunded { continue }
            if trade.won {
                winStreak += 1
                lossStreak = 0
            } else {
                lossStreak += 1
                winStreak = 0
            }
            maxLoss = Swift.max(maxLoss, lossStreak)
            maxWin = Swift.max(maxWin, winStreak)
        }
        profitFactor = grossLoss > 0 ? grossWin / grossLoss : nil
        expectancy = t.isEmpty ? 0 : sum / Double(t.count)
        averageWin = wins > 0 ? grossWin / Double(wins) : 0
        averageLoss = losses > 0 ? -grossLoss / Double(losses) : 0
        longestLosingStreak = maxLoss
        longestWinningStreak = maxWin

        var returns: [Double] = []
        returns.reserveCapacity(t.count)
        var before = start
        for trade in t {
            returns.append(before != 0 ? trade.profit / before : 0)
            before = trade.balance
        }
        sharpePerTrade = Self.meanOverSD(returns)
        if let r = Self.meanOverSD(t.map(\.profit)) {
            sqn = Double(t.count).squareRoot() * r
        } else {
            sqn = nil
        }

        let evaluated = result.candleCount - result.options.window
        if evaluated > 0 && !t.isEmpty {
            var covered = 0
            var end = Int.min
            for trade in t {
                let a = Swift.max(trade.entryIndex, end)
                if trade.exitIndex > a { covered += trade.exitIndex - a }
                end = Swift.max(end, trade.exitIndex)
            }
            exposure = Swift.min(1, Double(covered) / Double(evaluated))
        } else {
            exposure = 0
        }
    }

    private static func meanOverSD(_ xs: [Double]) -> Double? {
        guard xs.count >= 2 else { return nil }
        var mean = 0.0
        for x in xs { mean += x }
        mean /= Double(xs.count)
        var v = 0.0
        for x in xs { v += (x - mean) * (x - mean) }
        let sd = (v / Double(xs.count - 1)).squareRoot()
        return sd > 0 ? mean / sd : nil
    }

    /// `(label, value)` rows for tables, values formatted for people.
    package var rows: [(String, String)] {
        func pct(_ v: Double) -> String { fixed(v, 2) + " %" }
        func opt(_ v: Double?, _ digits: Int) -> String { v.map { fixed($0, digits) } ?? "–" }
        return [
            ("Trades", "\(trades) (\(wins) won, \(losses) lost\(refunds > 0 ? ", \(refunds) refunded" : ""))"),
            ("Return", pct(returnPercent)),
            ("Max drawdown", fixed(maxDrawdown, 2) + " (" + pct(maxDrawdownPercent) + ")"),
            (
                "Max drawdown duration",
                "\(maxDrawdownDurationTrades) trades, " + formatDuration(maxDrawdownDurationSeconds)
            ),
            (
                "Win rate (Wilson 95 %)",
                pct(winRate * 100) + " [" + fixed(winRateLow * 100, 2) + " – " + fixed(winRateHigh * 100, 2) + "]"
            ),
            ("Break-even win rate", pct(breakEvenWinRate * 100)),
            ("Profit factor", opt(profitFactor, 3)),
            ("Expectancy per trade", fixed(expectancy, 4)),
            ("Average win / loss", fixed(averageWin, 4) + " / " + fixed(averageLoss, 4)),
            ("Longest losing streak", "\(longestLosingStreak)"),
            ("Longest winning streak", "\(longestWinningStreak)"),
            ("Sharpe (per trade)", opt(sharpePerTrade, 4)),
            ("SQN", opt(sqn, 3)),
            ("Exposure", pct(exposure * 100)),
        ]
    }

    /// The statistics as a JSON object (snake_case keys; null for undefined values).
    package func json() -> String {
        var w = JSONWriter()
        func key(_ k: String, _ first: Bool = false) { w.json((first ? "" : ",") + JSONWriter.quote(k) + ":") }
        w.raw("{")
        key("trades", true); w.int(trades)
        key("wins"); w.int(wins)
        key("losses"); w.int(losses)
        key("refunds"); w.int(refunds)
        key("return_percent"); w.float(returnPercent)
        key("max_drawdown"); w.float(maxDrawdown)
        key("max_drawdown_percent"); w.float(maxDrawdownPercent)
        key("max_drawdown_duration_trades"); w.int(maxDrawdownDurationTrades)
        key("max_drawdown_duration_seconds"); w.float(maxDrawdownDurationSeconds)
        key("win_rate"); w.float(winRate)
        key("win_rate_ci95"); w.raw("["); w.float(winRateLow); w.raw(","); w.float(winRateHigh); w.raw("]")
        key("break_even_win_rate"); w.float(breakEvenWinRate)
        key("profit_factor"); w.float(profitFactor ?? .nan)
        key("expectancy"); w.float(expectancy)
        key("average_win"); w.float(averageWin)
        key("average_loss"); w.float(averageLoss)
        key("longest_losing_streak"); w.int(longestLosingStreak)
        key("longest_winning_streak"); w.int(longestWinningStreak)
        key("sharpe_per_trade"); w.float(sharpePerTrade ?? .nan)
        key("sqn"); w.float(sqn ?? .nan)
        key("exposure"); w.float(exposure)
        w.raw("}")
        return w.text
    }
}

/// `v` with `digits` decimals (no Foundation): rounds half away from zero.
package func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (abs(v) * scale).rounded()
    guard r < 9e18 else { return "\(v)" }
    let whole = Int64(r)
    let sign = v < 0 && whole != 0 ? "-" : ""
    if digits == 0 { return sign + String(whole) }
    let s = String(whole)
    let padded = String(repeating: "0", count: Swift.max(0, digits + 1 - s.count)) + s
    let cut = padded.index(padded.endIndex, offsetBy: -digits)
    return sign + padded[..<cut] + "." + padded[cut...]
}

/// Seconds as `2d 3h 4m 5s` (largest units first, zero units left out; `0s` for 0 or less).
/// A span too long for whole seconds in an Int (or not finite) is written as `<seconds>s`
/// (converting it would trap).
package func formatDuration(_ seconds: Double) -> String {
    guard let whole = Int(exactly: seconds.rounded()) else { return seconds > 0 ? "\(seconds)s" : "0s" }
    var s = whole
    if s <= 0 { return "0s" }
    var parts: [String] = []
    let units: [(Int, String)] = [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")]
    for (size, name) in units where s >= size {
        parts.append("\(s / size)\(name)")
        s %= size
    }
    return parts.joined(separator: " ")
}
