import Backtest
import Indicators

/// A strategy's decision on the candle just pushed.
package struct SignalDecision: Sendable, Equatable {
    /// Direction.
    package var direction: TradeSignal
    /// Confidence where the strategy defines one.
    package var confidence: Double?
    /// The values the decision used.
    package var indicators: [SignalIndicator]
}

/// One strategy on one asset × timeframe, fed closed candles in order. Decisions are made on the
/// candle just pushed (it is the window's last candle) from the `window`-th candle on, exactly
/// as the backtest decides (see ``FillRule/live``).
package protocol SignalEvaluator: AnyObject {
    /// Takes the next closed candle; the decision whose window ends with it, or nil.
    func push(_ candle: AnalysisCandle) -> SignalDecision?
    /// Takes the next closed candle without deciding on it: the evaluation's state afterwards is
    /// the one ``push(_:)`` leaves, at less cost (a rebuild from kept candles, whose decisions
    /// are never emitted).
    func warm(_ candle: AnalysisCandle)
}

extension SignalEvaluator {
    /// See ``SignalEvaluator/warm(_:)``: a push whose decision is dropped.
    package func warm(_ candle: AnalysisCandle) { _ = push(candle) }
}

extension SignalSpec {
    /// A fresh evaluation of this spec; `window` = candles before the first decision (the backtest's).
    package func makeEvaluator(window: Int) -> any SignalEvaluator {
        switch kind {
        case .quantumFlux: return QuantumFluxEvaluator(window: window)
        case .quantumFluxTA(let p): return QuantumFluxTAEvaluator(parameters: p, window: window)
        case .rules(let program): return RulesEvaluator(program: program, window: window)
        }
    }
}

/// `quantum_flux` on the last 50 closes, kept twice in a ring so the window is always contiguous:
/// no allocation per candle (only a signal builds its indicator list). The ring is a buffer of
/// its own (allocated once, freed with the evaluation): a close costs two stores, no
/// copy-on-write check.
package final class QuantumFluxEvaluator: SignalEvaluator {
    /// Closes the original's computation reads.
    package static let span = 50
    private let ring: UnsafeMutableBufferPointer<Double>
    // Only reached through the engine's one thread: no dynamic exclusivity checks per candle.
    @exclusivity(unchecked) private var position = 0
    @exclusivity(unchecked) private var count = 0
    private let window: Int
    private let w12 = QuantumFlux.weights12
    private let w26 = QuantumFlux.weights26

    /// An evaluation deciding once `max(window, 50)` closes are in.
    package init(window: Int) {
        self.window = Swift.max(window, Self.span)
        ring = .allocate(capacity: 2 * Self.span)
        ring.initialize(repeating: 0)
    }

    deinit { ring.deallocate() }

    /// See ``SignalEvaluator/warm(_:)``: the close joins the ring, nothing is computed.
    package func warm(_ candle: AnalysisCandle) {
        let n = Self.span
        ring[position] = candle.close
        ring[position + n] = candle.close
        position = position + 1 == n ? 0 : position + 1
        count += 1
    }

    /// See ``SignalEvaluator/push(_:)``.
    package func push(_ candle: AnalysisCandle) -> SignalDecision? {
        let n = Self.span
        warm(candle)
        guard count >= window else { return nil }
        let start = position
        // One pass over the window: the score and the quantities a signal reports come together.
        let closes = UnsafeBufferPointer(rebasing: ring[start..<(start + n)])
        let reading = w12.withUnsafeBufferPointer { a in
            w26.withUnsafeBufferPointer { b in QuantumFlux.reading(closes: closes, end: n, w12: a, w26: b) }
        }
        guard let direction = QuantumFlux.decide(reading.score) else { return nil }
        return SignalDecision(
            direction: direction, confidence: reading.confidence,
            indicators: [
                SignalIndicator("rsi", reading.rsi), SignalIndicator("macd", reading.macd),
                SignalIndicator("macd_signal", reading.macdSignal),
                SignalIndicator("macd_histogram", reading.macdHistogram),
                SignalIndicator("bb_upper", reading.bbUpper), SignalIndicator("bb_middle", reading.bbMiddle),
                SignalIndicator("bb_lower", reading.bbLower), SignalIndicator("ema12", reading.ema12),
                SignalIndicator("ema26", reading.ema26), SignalIndicator("score", reading.score),
            ])
    }
}

/// `quantum_flux_ta`, incrementally (``QuantumFluxTAStepper``).
package final class QuantumFluxTAEvaluator: SignalEvaluator {
    @exclusivity(unchecked) private var stepper: QuantumFluxTAStepper
    @exclusivity(unchecked) private var index = 0
    private let window: Int

    /// An evaluation deciding from candle index `window` on (as the backtest does).
    package init(parameters: QuantumFluxTA.Parameters, window: Int) {
        stepper = QuantumFluxTAStepper(parameters: parameters)
        self.window = window
    }

    /// See ``SignalEvaluator/warm(_:)``: the indicators step, no decision is made.
    package func warm(_ candle: AnalysisCandle) {
        index += 1
        _ = stepper.push(candle)
    }

    /// See ``SignalEvaluator/push(_:)``.
    package func push(_ candle: AnalysisCandle) -> SignalDecision? {
        let i = index
        index += 1
        guard let reading = stepper.push(candle), i >= window, let direction = Self.decide(&stepper, reading) else {
            return nil
        }
        return SignalDecision(
            direction: direction, confidence: Swift.min(abs(reading.score), 1),
            indicators: [
                SignalIndicator("rsi", reading.rsi), SignalIndicator("macd_histogram", reading.macdHistogram),
                SignalIndicator("bb_upper", reading.bbUpper), SignalIndicator("bb_lower", reading.bbLower),
                SignalIndicator("ema_fast", reading.emaFast), SignalIndicator("ema_slow", reading.emaSlow),
                SignalIndicator("score", reading.score),
            ])
    }

    /// The stepper's decision, reached in place: `stepper.decide` on the stored property copied
    /// the whole stepper (retaining its buffers) per candle.
    @inline(__always)
    private static func decide(_ stepper: inout QuantumFluxTAStepper, _ reading: QuantumFluxTAStepper.Reading)
        -> TradeSignal?
    { stepper.decide(reading) }
}

/// A rules program, incrementally (``RuleStepper``); no confidence, the indicators are the
/// program's indicator columns.
package final class RulesEvaluator: SignalEvaluator {
    @exclusivity(unchecked) private var stepper: RuleStepper
    @exclusivity(unchecked) private var index = 0
    private let window: Int

    /// An evaluation deciding from candle index `window` on (as the backtest does).
    package init(program: RuleProgram, window: Int) {
        stepper = RuleStepper(program: program)
        self.window = window
    }

    /// See ``SignalEvaluator/warm(_:)``: the program's indicators step, its list is not built.
    package func warm(_ candle: AnalysisCandle) {
        index += 1
        _ = stepper.push(candle)
    }

    /// See ``SignalEvaluator/push(_:)``.
    package func push(_ candle: AnalysisCandle) -> SignalDecision? {
        let i = index
        index += 1
        guard let direction = stepper.push(candle), i >= window else { return nil }
        var indicators: [SignalIndicator] = []
        for (name, value) in zip(stepper.columns, stepper.row) { indicators.append(SignalIndicator(name, value)) }
        return SignalDecision(direction: direction, confidence: nil, indicators: indicators)
    }
}
