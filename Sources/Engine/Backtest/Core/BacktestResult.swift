/// One settled trade, as the original reports it.
package struct Trade: Sendable, Equatable {
    /// Entry candle's timestamp (epoch seconds).
    package var timestamp: Double
    /// Direction.
    package var signal: TradeSignal
    /// Entry candle's close.
    package var entryPrice: Double
    /// Exit candle's close.
    package var exitPrice: Double
    /// Whether it won (false for a loss and for a refunded tie).
    package var won: Bool
    /// Balance change.
    package var profit: Double
    /// Balance after the trade.
    package var balance: Double
    /// Index of the entry candle.
    package var entryIndex: Int
    /// Index of the exit candle.
    package var exitIndex: Int
    /// Whether the trade was a refunded tie.
    package var refunded: Bool
}

/// A point of the equity curve (one per trade).
package struct EquityPoint: Sendable, Equatable {
    /// Entry candle's timestamp.
    package var timestamp: Double
    /// Balance after the trade.
    package var balance: Double
}

/// The original tool's statistics block.
package struct OriginalStatistics: Sendable, Equatable {
    /// Number of trades.
    package var totalTrades: Int
    /// Trades won.
    package var wins: Int
    /// Trades lost.
    package var losses: Int
    /// `wins / total * 100`, 0 without trades.
    package var winRate: Double
    /// Balance before the first trade.
    package var startingBalance: Double
    /// Balance after the last trade.
    package var endingBalance: Double
    /// `ending - starting`.
    package var totalProfit: Double
    /// `totalProfit / (starting / 100)` (the original: `total_profit / 100` for 10000).
    package var profitPercentage: Double
}

/// A backtest's outcome in the original tool's shape, plus what the extended statistics need.
package struct BacktestResult: Sendable, Equatable {
    /// Strategy name.
    package var strategy: String
    /// Settled trades in entry order.
    package var trades: [Trade]
    /// Balance after each trade.
    package var equityCurve: [EquityPoint]
    /// The original's statistics.
    package var statistics: OriginalStatistics
    /// Options used.
    package var options: BacktestOptions
    /// Number of candles in the input.
    package var candleCount: Int
    /// First and last candle timestamps (0 when empty).
    package var firstTimestamp: Double
    /// Last candle timestamp.
    package var lastTimestamp: Double
    /// Refunded ties.
    package var refunds: Int
}
