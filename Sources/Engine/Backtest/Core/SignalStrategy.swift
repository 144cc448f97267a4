import Indicators

/// Something that decides, for each candle, whether to open a trade there.
package protocol SignalStrategy: Sendable {
    /// Name reported in results (`quantum_flux`, `quantum_flux_ta`, `rules`).
    var name: String { get }
    /// One entry per candle: the signal decided at candle i (entry at its close), nil for none.
    /// Entries before `window` are ignored by the backtester.
    func signals(for candles: [AnalysisCandle], window: Int) -> [TradeSignal?]
    /// The same signals from candles column by column (by default through their rows).
    func signals(for columns: CandleColumns, window: Int) -> [TradeSignal?]
    /// Candles between the decision's last candle and the candle its signal is reported at:
    /// 1 for `quantum_flux` (signal i is decided from the candles before i), 0 for strategies
    /// that decide at candle i from candles up to i.
    var decisionLag: Int { get }
}

extension SignalStrategy {
    /// Decided at candle i from candles up to i.
    package var decisionLag: Int { 0 }

    /// The signals of the columns' rows.
    package func signals(for columns: CandleColumns, window: Int) -> [TradeSignal?] {
        signals(for: columns.rows, window: window)
    }
}
