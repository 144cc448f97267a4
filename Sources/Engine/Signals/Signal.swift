import Backtest

/// A live signal: a strategy's decision on the close of an asset × timeframe's candle.
package struct Signal: Sendable, Equatable {
    /// Journal-wide sequence number (1, 2, ... per engine).
    package var id: UInt64
    /// Asset name (`EURUSD_otc`).
    package var asset: String
    /// Candle period in seconds.
    package var timeframe: Int
    /// The strategy's spec label (`quantum_flux`, `quantum_flux_ta`, `rules:FILE`).
    package var strategy: String
    /// Close time of the window's last candle, epoch seconds.
    package var time: Int64
    /// `call` or `put`.
    package var direction: TradeSignal
    /// That candle's close.
    package var entryPrice: Double
    /// Seconds from `time` to the exit (one period by default).
    package var expiry: Int
    /// The strategy's confidence where it defines one (`quantum_flux`: `min(|score|, 1)`).
    package var confidence: Double?
    /// The payout in force at `time`, nil when unknown.
    package var payout: Double?
    /// The values the decision used, in the strategy's order.
    package var indicators: [SignalIndicator]

    /// Creates a signal.
    package init(
        id: UInt64, asset: String, timeframe: Int, strategy: String, time: Int64, direction: TradeSignal,
        entryPrice: Double, expiry: Int, confidence: Double?, payout: Double?, indicators: [SignalIndicator]
    ) {
        self.id = id
        self.asset = asset
        self.timeframe = timeframe
        self.strategy = strategy
        self.time = time
        self.direction = direction
        self.entryPrice = entryPrice
        self.expiry = expiry
        self.confidence = confidence
        self.payout = payout
        self.indicators = indicators
    }

    /// `time + expiry`.
    package var expiryTime: Int64 { time + Int64(expiry) }
}

/// One named value behind a decision.
package struct SignalIndicator: Sendable, Equatable {
    /// Name (`rsi`, `macd_histogram`, a rules column such as `rsi_14`).
    package var name: String
    /// Value.
    package var value: Double

    /// Creates a value.
    package init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// A signal scored at expiry.
package struct SignalResult: Sendable, Equatable {
    /// The signal.
    package var signal: Signal
    /// The price at expiry: the close of the candle ending at expiry (or of the last candle before
    /// it when that period had none).
    package var exitPrice: Double
    /// A call wins if exit > entry, a put if exit < entry; a tie loses.
    package var won: Bool
    /// Profit per unit staked: `payout` when won (the payout in force, else the default), -1 when lost.
    package var profit: Double
    /// The payout the profit used.
    package var payoutUsed: Double

    /// Scores `signal` against `exitPrice` with `payout` for a won stake.
    package init(signal: Signal, exitPrice: Double, defaultPayout: Double) {
        self.signal = signal
        self.exitPrice = exitPrice
        switch signal.direction {
        case .call: won = exitPrice > signal.entryPrice
        case .put: won = exitPrice < signal.entryPrice
        }
        payoutUsed = signal.payout ?? defaultPayout
        profit = won ? payoutUsed : -1
    }

    /// Creates a result from stored values (the journal).
    package init(signal: Signal, exitPrice: Double, won: Bool, profit: Double, payoutUsed: Double) {
        self.signal = signal
        self.exitPrice = exitPrice
        self.won = won
        self.profit = profit
        self.payoutUsed = payoutUsed
    }
}

/// What the engine reports: a new signal, or a signal's result at expiry.
package enum SignalEvent: Sendable, Equatable {
    /// A strategy decided.
    case signal(Signal)
    /// A signal reached its expiry.
    case result(SignalResult)
}

/// The payout in force for an asset at a time (epoch seconds), nil when unknown. The payout tape
/// (issue 25 item 7) plugs in here; until then ``SignalEngine`` uses ``noPayoutTape``.
package typealias PayoutInForce = @Sendable (_ asset: String, _ time: Int64) -> Double?

/// No payout tape: every signal's payout is null and results use the default payout.
package let noPayoutTape: PayoutInForce = { _, _ in nil }
