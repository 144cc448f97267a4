import Backtest
import Indicators
import Signals

extension SignalsStage {
    /// A history snapshot reaching streams after their first live candle (what a replayed capture
    /// does on every asset): the cost per history candle of `quantum_flux,quantum_flux_ta` minus
    /// that of an engine without strategies fed the same candles in the same run.
    func historyFigure(_ context: BenchContext) throws -> Figure {
        let assets = context.quick ? 20 : 50
        let candles = BacktestStage.candles(600, seed: 79)
        let first = 500
        let specs = [
            SignalSpec(label: "quantum_flux", kind: .quantumFlux, timeframe: nil),
            SignalSpec(label: "quantum_flux_ta", kind: .quantumFluxTA(.init()), timeframe: nil),
        ]
        var perHistoryCandle: [Double] = []
        var spread = 0.0
        var rebuilds = 0
        for withStrategies in [false, true] {
            let (samples, sink) = measure(warmups: 1, runs: context.runs) {
                let engine = try! SignalEngine(specs: withStrategies ? specs : []) { _ in }
                Self.feed(engine, candles: [candles[first]], assets: assets, timeframes: [60], from: first)
                Self.feed(engine, candles: Array(candles[..<first]), assets: assets, timeframes: [60], from: 0)
                Self.feed(
                    engine, candles: Array(candles[(first + 1)...]), assets: assets, timeframes: [60], from: first + 1)
                rebuilds = engine.counters.rebuilds
                return engine.counters.outOfOrder
            }
            guard sink == assets * first * (context.runs + 1) else {
                throw BenchError("signals: the history candles were not taken as older candles")
            }
            perHistoryCandle.append(samples.median / Double(assets * first) * 1e9)
            spread = samples.spreadPercent
        }
        return Figure(
            stage: name, name: "history after live candles: added per older candle",
            value: perHistoryCandle[1] - perHistoryCandle[0], unit: "ns/candle", spreadPercent: spread,
            note:
                "\(assets) streams × \(first) history candles, then \(candles.count - first - 1) live; \(rebuilds) rebuilds"
        )
    }
}
