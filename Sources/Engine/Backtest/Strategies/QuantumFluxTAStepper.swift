import Indicators

/// One `quantum_flux_ta` evaluation per candle, incrementally: what ``QuantumFluxTA`` runs over an
/// array and the live signal engine runs on each closed candle, so both decide identically.
package struct QuantumFluxTAStepper: Sendable {
    /// The values behind one score.
    package struct Reading: Sendable, Equatable {
        /// RSI.
        package var rsi: Double
        /// MACD histogram.
        package var macdHistogram: Double
        /// Lower Bollinger band.
        package var bbLower: Double
        /// Upper Bollinger band.
        package var bbUpper: Double
        /// Fast EMA.
        package var emaFast: Double
        /// Slow EMA.
        package var emaSlow: Double
        /// The candle's close.
        package var close: Double
        /// The clipped score.
        package var score: Double
    }

    private let parameters: QuantumFluxTA.Parameters
    private var rsi: RSI
    private var macd: MACD
    private var bb: BollingerBands
    private var fast: EMA
    private var slow: EMA

    /// A stepper before the first candle.
    package init(parameters: QuantumFluxTA.Parameters) {
        self.parameters = parameters
        rsi = RSI(period: parameters.rsiPeriod)
        macd = MACD(fast: parameters.macdFast, slow: parameters.macdSlow, signal: parameters.macdSignal)
        bb = BollingerBands(period: parameters.bbandsPeriod, up: parameters.bbandsK, down: parameters.bbandsK)
        fast = EMA(period: parameters.emaFast)
        slow = EMA(period: parameters.emaSlow)
    }

    /// Takes the next candle; the reading once every indicator has a value.
    package mutating func push(_ c: AnalysisCandle) -> Reading? {
        let p = parameters
        let r = rsi.push(c)
        let m = macd.push(c)
        let b = bb.push(c)
        let f = fast.push(c)
        let s = slow.push(c)
        guard let r, let m, let b, let f, let s else { return nil }
        // The votes and the score a sweep's shared columns use too (QuantumFluxTAVote).
        let score = QuantumFluxTAVote.score(
            rsi: QuantumFluxTAVote.rsi(r, low: p.rsiLow, high: p.rsiHigh), macd: QuantumFluxTAVote.macd(m.hist),
            bands: QuantumFluxTAVote.bands(close: c.close, lower: b.lower, upper: b.upper),
            ema: QuantumFluxTAVote.ema(fast: f, slow: s))
        return Reading(
            rsi: r, macdHistogram: m.hist, bbLower: b.lower, bbUpper: b.upper, emaFast: f, emaSlow: s, close: c.close,
            score: score)
    }

    /// The decision for a reading: a direction when `|score| >= 0.2` and `>= threshold`.
    package func decide(_ reading: Reading) -> TradeSignal? {
        QuantumFluxTAVote.decide(reading.score, threshold: parameters.threshold)
    }
}
