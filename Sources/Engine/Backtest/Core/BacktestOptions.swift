/// How a backtest trades. The defaults are the original tool's (payout 0.8, 1 % of the balance,
/// one-candle expiry, a 50-candle window, ties lost, 10000 to start).
package struct BacktestOptions: Sendable, Equatable {
    /// How much is staked per trade.
    package enum Stake: Sendable, Equatable {
        /// A fraction of the balance at entry (the original: 0.01).
        case fraction(Double)
        /// A fixed amount (capped at the balance; no trades once the balance is gone).
        case fixed(Double)
    }

    /// What a trade whose exit equals its entry counts as.
    package enum TieRule: String, Sendable, Equatable, CaseIterable {
        /// Lost (the original).
        case loss
        /// The stake comes back: profit 0, neither a win nor a loss.
        case refund
        /// Won.
        case win
    }

    /// Profit on a won stake (0.8 = 80 %).
    package var payout = 0.8
    /// Stake per trade.
    package var stake = Stake.fraction(0.01)
    /// Candles from entry to exit: entry at candle i's close, exit at candle i+expiry's close.
    package var expiry = 1
    /// Candles before the first decision (the original's strategy sees the `window` candles before i).
    package var window = 50
    /// How ties count.
    package var ties = TieRule.loss
    /// Balance before the first trade.
    package var startingBalance = 10000.0
    /// Payouts over time (`--payout-tape`): a trade earns the payout in force at its candle's
    /// timestamp, ``payout`` before the schedule's first change. Nil: always ``payout``.
    package var payoutSchedule: PayoutSchedule?
    /// Where trades enter and exit (the original's rule by default).
    package var fill = FillRule.original
    /// The candle period in seconds for the live fill (nil: the smallest step between candles).
    package var period: Double?

    /// The original tool's settings.
    package init() {}

    /// Checks the values, returning a message for the first bad one.
    package func validate() -> String? {
        if !(payout.isFinite && payout >= 0) { return "payout must be a number >= 0, got \(payout)" }
        switch stake {
        case .fraction(let f) where !(f.isFinite && f > 0 && f <= 1):
            return "stake fraction must be in (0, 1], got \(f)"
        case .fixed(let a) where !(a.isFinite && a > 0): return "fixed stake must be > 0, got \(a)"
        default: break
        }
        if expiry < 1 { return "expiry must be at least 1 candle, got \(expiry)" }
        if window < 1 { return "window must be at least 1 candle, got \(window)" }
        if !(startingBalance.isFinite && startingBalance > 0) {
            return "starting balance must be > 0, got \(startingBalance)"
        }
        return nil
    }
}
