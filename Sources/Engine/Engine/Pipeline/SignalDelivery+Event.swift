import Backtest
import Signals
import SocketIOServer
import TextWriters

extension SignalDelivery {
    /// The Socket.IO event of a screener event (engine thread, once per signal or result):
    /// `signal` `{asset, timeframe, strategy, time, direction, entry_price, expiry, confidence,
    /// payout, indicators}`; `signal_result` the same plus `exit_price`, `won`, `profit`.
    package init(_ event: SignalEvent) {
        let s: Signal, result: SignalResult?
        switch event {
        case .signal(let x): (s, result) = (x, nil)
        case .result(let r): (s, result) = (r.signal, r)
        }
        var w = JSONWriter(capacity: 256 + s.indicators.count * 32)
        w.raw("{\"asset\":")
        w.string(s.asset)
        w.raw(",\"timeframe\":")
        w.integer(s.timeframe)
        w.raw(",\"strategy\":")
        w.string(s.strategy)
        w.raw(",\"time\":")
        w.integer(s.time)
        w.raw(s.direction == .call ? ",\"direction\":\"call\"" : ",\"direction\":\"put\"")
        w.raw(",\"entry_price\":")
        w.number(s.entryPrice)
        w.raw(",\"expiry\":")
        w.integer(s.expiry)
        w.raw(",\"confidence\":")
        if let c = s.confidence { w.number(c) } else { w.raw("null") }
        w.raw(",\"payout\":")
        if let p = s.payout { w.number(p) } else { w.raw("null") }
        w.raw(",\"indicators\":{")
        for (i, x) in s.indicators.enumerated() {
            if i > 0 { w.comma() }
            w.string(x.name)
            w.raw(":")
            w.number(x.value)
        }
        w.raw("}")
        if let result {
            w.raw(",\"exit_price\":")
            w.number(result.exitPrice)
            w.raw(result.won ? ",\"won\":true" : ",\"won\":false")
            w.raw(",\"profit\":")
            w.number(result.profit)
        }
        w.raw("}")
        self.init(
            asset: s.asset, timeframe: s.timeframe, strategy: s.strategy, isResult: result != nil, payload: w.bytes)
    }
}

extension SignalScreener {
    /// What the screener runs, for `subscribe_signals`.
    package var screenedSpecs: [ScreenedSignalSpec] {
        engine.specs.map { ScreenedSignalSpec(strategy: $0.label, timeframe: $0.timeframe) }
    }
}
