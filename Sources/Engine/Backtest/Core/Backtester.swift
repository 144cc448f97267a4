import Indicators

/// Runs a strategy's signals through the original tool's trade loop.
package enum Backtester {
    /// Settles `signals[i]` (decided at candle i) for i in `window..<n`: entry at candle i's close,
    /// exit at candle `i + expiry`'s close (no trade when that candle does not exist), stake taken
    /// from the balance at entry, balance updated right away — in the original's order of
    /// operations, so the defaults reproduce it to the last bit.
    ///
    /// With ``FillRule/live`` the entry moves to the decision's last candle (`i - decisionLag`) and
    /// the exit is the price at expiry (``LiveFill``), as the signal journal scores live signals.
    package static func run(
        candles: [AnalysisCandle], signals: [TradeSignal?], options: BacktestOptions,
        strategy: String, decisionLag: Int = 0
    ) -> BacktestResult {
        settle(candles, signals: signals, options: options, strategy: strategy, decisionLag: decisionLag)
    }

    /// ``run(candles:signals:options:strategy:decisionLag:)`` on any random-access candles (an
    /// array, or columns seen row by row).
    static func settle<Candles: RandomAccessCollection>(
        _ candles: Candles, signals: [TradeSignal?], options: BacktestOptions,
        strategy: String, decisionLag: Int
    ) -> BacktestResult where Candles.Index == Int, Candles.Element: TradeCandle {
        let n = candles.count
        let livePeriod = options.fill == .live ? (options.period ?? LiveFill.period(of: candles)) : nil
        var balance = options.startingBalance
        var wins = 0
        var losses = 0
        var refunds = 0
        var trades: [Trade] = []
        var equity: [EquityPoint] = []
        if n > options.window {
            // Room for a trade per signal: no growth copies (and their fresh pages) on the way.
            var signalled = 0
            for i in options.window..<Swift.min(n, signals.count) where signals[i] != nil { signalled += 1 }
            trades.reserveCapacity(signalled)
            equity.reserveCapacity(signalled)
            for i in options.window..<n {
                guard let signal = signals[i] else { continue }
                let entryIndex: Int
                let exitIndex: Int
                if options.fill == .live {
                    guard let period = livePeriod, i - decisionLag >= 0 else { continue }
                    entryIndex = i - decisionLag
                    guard
                        let j = LiveFill.exitIndex(
                            candles: candles, entry: entryIndex, period: period,
                            expirySeconds: Double(options.expiry) * period)
                    else { continue }
                    exitIndex = j
                } else {
                    guard i + options.expiry < n else { continue }
                    entryIndex = i
                    exitIndex = i + options.expiry
                }
                let entry = candles[entryIndex].close
                let exit = candles[exitIndex].close
                var won: Bool
                switch signal {
                case .call: won = exit > entry
                case .put: won = exit < entry
                }
                var refunded = false
                if exit == entry {
                    switch options.ties {
                    case .loss: won = false
                    case .win: won = true
                    case .refund: refunded = true
                    }
                }
                let amount: Double
                switch options.stake {
                case .fraction(let f): amount = balance * f
                case .fixed(let a):
                    if balance <= 0 { continue }
                    amount = Swift.min(a, balance)
                }
                let profit: Double
                if refunded {
                    profit = 0.0
                    refunds += 1
                } else if won {
                    profit = amount * (options.payoutSchedule?.payout(at: candles[i].timestamp) ?? options.payout)
                    balance += profit
                    wins += 1
                } else {
                    profit = -amount
                    balance -= amount
                    losses += 1
                }
                trades.append(
                    Trade(
                        timestamp: candles[entryIndex].timestamp, signal: signal, entryPrice: entry, exitPrice: exit,
                        won: won && !refunded, profit: profit, balance: balance, entryIndex: entryIndex,
                        exitIndex: exitIndex, refunded: refunded))
                equity.append(EquityPoint(timestamp: candles[entryIndex].timestamp, balance: balance))
            }
        }
        let total = trades.count
        let totalProfit = balance - options.startingBalance
        let stats = OriginalStatistics(
            totalTrades: total, wins: wins, losses: losses,
            winRate: total > 0 ? Double(wins) / Double(total) * 100 : 0,
            startingBalance: options.startingBalance, endingBalance: balance, totalProfit: totalProfit,
            profitPercentage: totalProfit / (options.startingBalance / 100))
        return BacktestResult(
            strategy: strategy, trades: trades, equityCurve: equity, statistics: stats, options: options,
            candleCount: n, firstTimestamp: candles.first?.timestamp ?? 0,
            lastTimestamp: candles.last?.timestamp ?? 0, refunds: refunds)
    }

    /// Computes the strategy's signals and runs them.
    package static func run(
        candles: [AnalysisCandle], strategy: any SignalStrategy, options: BacktestOptions = BacktestOptions()
    ) -> BacktestResult {
        run(
            candles: candles, signals: strategy.signals(for: candles, window: options.window), options: options,
            strategy: strategy.name, decisionLag: strategy.decisionLag)
    }
}
