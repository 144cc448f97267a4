/// The payouts in force over time for the asset a backtest trades (from a payout tape, see
/// `qflux backtest --payout-tape`): a trade entered at time t earns the latest payout at or
/// before t, or ``BacktestOptions/payout`` before the first.
package struct PayoutSchedule: Sendable, Equatable {
    /// Epoch seconds from which each payout is in force, ascending.
    package let times: [Double]
    /// Payouts as fractions of the stake (0.79), one per time.
    package let payouts: [Double]

    /// A schedule from (time, payout) changes in any order.
    package init(_ changes: [(time: Double, payout: Double)]) {
        let sorted = changes.sorted { $0.time < $1.time }
        times = sorted.map(\.time)
        payouts = sorted.map(\.payout)
    }

    /// The payout in force at `time`, or nil before the first change.
    package func payout(at time: Double) -> Double? {
        var low = 0, high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid] <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : payouts[low - 1]
    }
}
