/// What a sweep sorts its results by (best first).
package enum SweepMetric: String, Sendable, CaseIterable {
    /// Ending balance, highest first.
    case endingBalance = "ending_balance"
    /// Profit percentage, highest first.
    case profitPercentage = "profit_percentage"
    /// Win rate, highest first.
    case winRate = "win_rate"
    /// Number of trades, most first.
    case totalTrades = "total_trades"
    /// Profit factor, highest first (none = last).
    case profitFactor = "profit_factor"
    /// Expectancy per trade, highest first.
    case expectancy
    /// Per-trade Sharpe, highest first.
    case sharpe
    /// SQN, highest first.
    case sqn
    /// Max drawdown percentage, lowest first.
    case maxDrawdown = "max_drawdown"

    /// The metric's value for a row (higher = better after sign adjustment; -∞ when undefined).
    package func score(_ row: SweepRow) -> Double {
        guard let s = row.statistics, let x = row.extended else { return -.infinity }
        switch self {
        case .endingBalance: return s.endingBalance
        case .profitPercentage: return s.profitPercentage
        case .winRate: return s.winRate
        case .totalTrades: return Double(s.totalTrades)
        case .profitFactor: return x.profitFactor ?? -.infinity
        case .expectancy: return x.expectancy
        case .sharpe: return x.sharpePerTrade ?? -.infinity
        case .sqn: return x.sqn ?? -.infinity
        case .maxDrawdown: return -x.maxDrawdownPercent
        }
    }
}
