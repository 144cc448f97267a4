import FastDecode
import ThreadSupport

/// The payouts in force now, per asset, from the latest `updateAssets` lists the pipeline saw
/// (for `/health` and `get_assets`). Written by the engine thread a few times an hour, read by
/// any thread; bounded by the number of assets.
package final class PayoutBoard: Sendable {
    /// What the board knows.
    package struct State: Sendable, Equatable {
        /// Payout percent by asset.
        package var percent: [AssetID: Double] = [:]
        /// Broker time of the latest list (nil before the first).
        package var lastUpdate: Double?
        /// Lists received.
        package var lists = 0
        /// Each asset's latest changes (broker time, percent), oldest first, at most
        /// ``PayoutBoard/changesKept`` per asset: the payout in force at a past time (signals).
        package var changes: [AssetID: [PayoutChange]] = [:]
    }

    /// One payout change of an asset.
    package struct PayoutChange: Sendable, Equatable {
        /// Broker time (epoch seconds) from which it is in force.
        package var time: Double
        /// Payout percent.
        package var percent: Double
    }

    /// Changes kept per asset (a few lists an hour: hours of them).
    package static let changesKept = 32

    private let state = Locked(State())

    package init() {}

    /// Records one list in force from `time`: its payouts replace the assets' earlier ones.
    package func record(_ snapshot: PayoutSnapshot, time: Double) {
        state.withLock { s in
            for row in snapshot.payouts {
                s.percent[row.asset] = row.percent
                var list = s.changes[row.asset, default: []]
                guard list.last?.percent != row.percent else { continue }
                if list.count == Self.changesKept { list.removeFirst() }
                list.append(PayoutChange(time: time, percent: row.percent))
                s.changes[row.asset] = list
            }
            s.lastUpdate = time
            s.lists += 1
        }
    }

    /// A copy of what the board knows.
    package var current: State { state.withLock { $0 } }

    /// `"payouts":{"assets":N,"lists":M,"last_update":T|null}` for `/health`: assets with a
    /// payout, `updateAssets` lists seen, broker time of the latest.
    package func healthMember() -> String {
        let s = current
        let last = s.lastUpdate.map { String($0) } ?? "null"
        return "\"payouts\":{\"assets\":\(s.percent.count),\"lists\":\(s.lists),\"last_update\":\(last)}"
    }

    /// An asset's payout percent in force at broker time `time`: the latest change at or before
    /// it, nil before the first (or before the oldest change kept).
    package func percent(of asset: AssetID, at time: Double) -> Double? {
        state.withLock { s in s.changes[asset]?.last { $0.time <= time }?.percent }
    }

    /// An asset's payout percent now, if a list named it.
    package func percent(of asset: AssetID) -> Double? { state.withLock { $0.percent[asset] } }
}
