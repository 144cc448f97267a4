import FastDecode
import Signals

extension PayoutBoard {
    /// The payout in force for the signal engine, as a fraction (86 % → 0.86): the percent of the
    /// signal's asset from the latest `updateAssets` list at or before the signal's time, nil
    /// before a list named it. The screener asks once per emitted signal (not per candle), on the
    /// engine thread, which also writes the board in stream order – so a list is on the board
    /// before any candle that closes after it; looking it up by time (not "now") keeps a replay's
    /// big batches from paying a signal a list that came later. One uncontended lock per signal.
    package func payoutInForce(assets: AssetDirectory) -> PayoutInForce {
        { [self] name, time in
            guard let id = assets.lookup(name), let percent = percent(of: id, at: Double(time)) else { return nil }
            return percent / 100
        }
    }
}
