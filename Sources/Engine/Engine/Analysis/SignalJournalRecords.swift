import Archive
import Backtest
import Signals

extension SignalRecord {
    /// The journal record of a new signal.
    package init(_ s: Signal) {
        self.init(
            asset: s.asset, id: s.id, timeframe: s.timeframe, strategy: s.strategy, time: s.time,
            isCall: s.direction == .call, entryPrice: s.entryPrice, expiry: s.expiry, confidence: s.confidence,
            payout: s.payout, indicators: s.indicators.map { ($0.name, $0.value) }, outcome: nil)
    }

    /// The journal record of a scored signal.
    package init(_ r: SignalResult) {
        self.init(r.signal)
        outcome = Outcome(exitPrice: r.exitPrice, won: r.won, profit: r.profit, payoutUsed: r.payoutUsed)
    }

    /// The signal this record holds.
    package var signal: Signal {
        Signal(
            id: id, asset: asset, timeframe: timeframe, strategy: strategy, time: time,
            direction: isCall ? .call : .put, entryPrice: entryPrice, expiry: expiry, confidence: confidence,
            payout: payout, indicators: indicators.map { SignalIndicator($0.0, $0.1) })
    }

    /// The result this record holds, for a scored signal.
    package var result: SignalResult? {
        outcome.map {
            SignalResult(
                signal: signal, exitPrice: $0.exitPrice, won: $0.won, profit: $0.profit, payoutUsed: $0.payoutUsed)
        }
    }
}
