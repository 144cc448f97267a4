import Candles
import FastDecode

/// What `qflux collect` visits: which favourites, which timeframes, in which order.
package struct CollectPlan: Sendable, Equatable {
    /// One favourite and the timeframes to click for it, in order.
    package struct Visit: Sendable, Equatable {
        /// The favourite.
        package var favourite: Favourite
        /// Timeframes, in click order.
        package var timeframes: [Timeframe]
    }

    /// The visits, in favourites-bar order.
    package var visits: [Visit]

    /// The timeframes of the original's stacks: `1m` → H1 M15 M5 M1, `5m` → H4 H1 M15 M5.
    package static func stack(_ name: String) -> [Timeframe]? {
        switch name.lowercased() {
        case "1m": [3600, 900, 300, 60].map(Timeframe.init(seconds:))
        case "5m": [14400, 3600, 900, 300].map(Timeframe.init(seconds:))
        default: nil
        }
    }

    /// Favourites to visit: those whose label or asset name contains one of `assets` (ignoring
    /// case and punctuation), or, with no `assets`, those paying at least `minPayout` %.
    package static func select(_ favourites: [Favourite], assets: [String], minPayout: Int) -> [Favourite] {
        if assets.isEmpty { return favourites.filter { ($0.payout ?? -1) >= minPayout } }
        let wanted = assets.map(AssetDirectory.looseKey).filter { !$0.isEmpty }
        return favourites.filter { f in
            let key = AssetDirectory.looseKey(f.label)
            return wanted.contains { key.contains($0) || $0.contains(key) && !key.isEmpty }
        }
    }

    /// Whether the broker's asset name `asset` is the favourite labelled `label` (`EURUSD_otc` and
    /// `EUR/USD OTC`).
    package static func sameAsset(_ asset: String, label: String) -> Bool {
        let a = AssetDirectory.looseKey(asset), l = AssetDirectory.looseKey(label)
        return !a.isEmpty && a == l
    }
}
