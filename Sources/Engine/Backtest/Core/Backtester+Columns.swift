import Indicators

extension Backtester {
    /// ``run(candles:strategy:options:)`` on candles column by column, without making them rows:
    /// the strategy reads the columns (its `signals(for:window:)` of columns) and the trade loop
    /// reads the few candles it trades on from them. The same result.
    package static func run(
        columns: CandleColumns, strategy: any SignalStrategy, options: BacktestOptions = BacktestOptions()
    ) -> BacktestResult {
        settle(
            CandleColumnRows(columns), signals: strategy.signals(for: columns, window: options.window),
            options: options, strategy: strategy.name, decisionLag: strategy.decisionLag)
    }
}

/// What the trade loop reads of a candle: its open time and its close.
protocol TradeCandle {
    /// Open time in epoch seconds.
    var timestamp: Double { get }
    /// Close price.
    var close: Double { get }
}

extension AnalysisCandle: TradeCandle {}

/// A candle's open time and close, read from its columns.
struct TimeAndClose: TradeCandle {
    let timestamp: Double
    let close: Double
}

/// Candle columns seen as a collection of times and closes, read when asked: the trade loop
/// loads only these two columns (loading all six cost it a cache miss per column and trade,
/// ~1.7 ms of 200 k candles' 8,775 trades).
struct CandleColumnRows: RandomAccessCollection {
    let timestamps: [Double]
    let closes: [Double]

    init(_ columns: CandleColumns) {
        timestamps = columns.timestamps
        closes = columns.closes
    }

    var startIndex: Int { 0 }
    var endIndex: Int { timestamps.count }

    @inline(__always)
    subscript(i: Int) -> TimeAndClose { TimeAndClose(timestamp: timestamps[i], close: closes[i]) }
}
