import Indicators

/// Something that decides, for each candle, whether to open a trade there.
package protocol SignalStrategy: Sendable {
    /// Name reported in results (`quantum_flux`, `quantum_flux_ta`, `rules`).
    var name: String { get }
    /// One entry per candle: the signal decided at candle i (entry at its close), nil for none.
    /// Entries before `window` are ignored by the backtester.
    func signals(for candles: [AnalysisCandle], window: Int) -> [TradeSignal?]
}
