import Indicators

/// Where a backtest's trade enters and exits.
package enum FillRule: String, Sendable, Equatable, CaseIterable {
    /// The original tool's: the signal decided at candle i enters at candle i's close and exits
    /// at candle `i + expiry`'s close. `quantum_flux` decides at i from the candles before i, so
    /// its trades enter one candle after the decision.
    case original
    /// What a live signal gets (the signal journal's rule): entry at the close of the decision's
    /// last candle; exit = the price at expiry (`entry time + expiry × period`), which is the close
    /// of the candle ending at expiry, or of the last candle before it when that period had no
    /// candle (a gap); no trade while no candle reaches the expiry.
    case live
}

/// The live fill rule on an array of candles (see ``FillRule/live``).
package enum LiveFill {
    /// The candle period: the smallest positive step between consecutive timestamps (nil with
    /// fewer than two distinct timestamps).
    package static func period(of candles: [AnalysisCandle]) -> Double? {
        period(of: candles[...])
    }

    /// ``period(of:)`` on any random-access candles.
    static func period<Candles: RandomAccessCollection>(of candles: Candles) -> Double?
    where Candles.Index == Int, Candles.Element: TradeCandle {
        var best: Double?
        if candles.count < 2 { return nil }
        for k in 1..<candles.count {
            let d = candles[k].timestamp - candles[k - 1].timestamp
            if d > 0, best.map({ d < $0 }) ?? true { best = d }
        }
        return best
    }

    /// The exit candle's index for an entry at candle `entry` (close time `timestamp + period`)
    /// and an expiry of `expirySeconds`, or nil while no later candle reaches the expiry time.
    package static func exitIndex(
        candles: [AnalysisCandle], entry: Int, period: Double, expirySeconds: Double
    ) -> Int? {
        exitIndex(candles: candles[...], entry: entry, period: period, expirySeconds: expirySeconds)
    }

    /// ``exitIndex(candles:entry:period:expirySeconds:)`` on any random-access candles.
    static func exitIndex<Candles: RandomAccessCollection>(
        candles: Candles, entry: Int, period: Double, expirySeconds: Double
    ) -> Int? where Candles.Index == Int, Candles.Element: TradeCandle {
        let expiryTime = candles[entry].timestamp + period + expirySeconds
        var j = entry + 1
        while j < candles.count {
            let end = candles[j].timestamp + period
            if end == expiryTime { return j }
            if end > expiryTime { return j - 1 }
            j += 1
        }
        return nil
    }
}
