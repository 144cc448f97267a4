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

/// Candle columns seen as a collection of ``AnalysisCandle`` values, each made when read.
struct CandleColumnRows: RandomAccessCollection {
    let columns: CandleColumns

    init(_ columns: CandleColumns) { self.columns = columns }

    var startIndex: Int { 0 }
    var endIndex: Int { columns.count }

    subscript(i: Int) -> AnalysisCandle { columns[i] }
}
