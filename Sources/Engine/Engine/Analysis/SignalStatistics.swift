/// Win rate (with its Wilson 95 % interval) and profit per unit staked over scored signals.
package struct SignalTally: Sendable, Equatable {
    /// Scored signals.
    package var trades = 0
    /// Won.
    package var wins = 0
    /// Sum of profit per unit staked.
    package var profit = 0.0

    /// Empty.
    package init() {}

    /// Adds one scored trade.
    package mutating func add(won: Bool, profit: Double) {
        trades += 1
        if won { wins += 1 }
        self.profit += profit
    }

    /// `wins / trades` (0 without trades).
    package var winRate: Double { trades > 0 ? Double(wins) / Double(trades) : 0 }

    /// Wilson 95 % interval of the win rate ((0, 1) without trades).
    package var wilson: (low: Double, high: Double) {
        guard trades > 0 else { return (0, 1) }
        let z = 1.959963984540054
        let n = Double(trades)
        let p = winRate
        let denom = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denom
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denom
        return (Swift.max(0, center - half), Swift.min(1, center + half))
    }
}
