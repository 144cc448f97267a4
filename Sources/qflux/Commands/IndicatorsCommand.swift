import ArgumentParser
import Engine
import Indicators

/// `qflux indicators`: indicator values (equal to TA-Lib's) for every candle of an archive or CSV.
struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Compute indicators (values equal to TA-Lib's) for every candle of an archive or a CSV file.",
        discussion: """
            One output row per candle: `timestamp` (epoch seconds of the candle's open) and one column \
            per indicator output, named <name>_<params joined by _>[_<output>]: rsi_14, sma_20, \
            macd_12_26_9, macd_12_26_9_signal, macd_12_26_9_hist, bbands_20_2_upper|middle|lower, \
            stoch_14_3_3_k|d, supertrend_10_3, supertrend_10_3_direction. Before an indicator's \
            lookback its cells are null (jsonl) or empty (csv). Numbers are written in shortest \
            round-trip form.

            Indicators (names are case-insensitive; no parentheses = TA-Lib's defaults):
              sma(n) ema(n) wma(n) rsi(n) roc(n) cci(n) willr(n) atr(n) adx(n)
              macd(fast,slow,signal) bbands(n,k) bbands(n,up,down)
              stoch(fastk,slowk,slowd) supertrend(period,multiplier)
              demarker(n) stc(fast,slow,d_macd,d_pf) (the original tool's DeMarker and
              Schaff Trend Cycle; aliases schaff_tc, dem)

            Examples:
              qflux indicators data --asset EURUSD_otc --timeframe 1m \\
                  --indicators 'rsi(14),macd(12,26,9)'
              qflux indicators candles.csv --format csv -o out.csv \\
                  --indicators 'sma(20),bbands(20,2),stoch(14,3,3)'
              qflux indicators data --timeframe 5s --indicators rsi | head

            At most \(IndicatorBudget.commandLine.maxInstances) indicators per run; a run whose \
            estimated memory (windows, rows and their text) or work is over its budget is refused \
            before anything is computed.

            Exit status: 0 done; 1 the input is missing, unreadable or holds no candles, or the run \
            is over its budget; 64 a bad option value (indicator spec, more than \
            \(IndicatorBudget.commandLine.maxInstances) indicators, --timeframe, --format).
            """
    )

    @OptionGroup var source: AnalysisInputOptions

    @Option(
        help: ArgumentHelp(
            "Comma-separated indicators, e.g. 'sma(20),ema(20),rsi(14),macd(12,26,9),bbands(20,2),atr(14),stoch(14,3,3)'.",
            valueName: "spec"))
    var indicators: String

    @Option(help: "Output format: jsonl (one JSON object per candle) or csv.")
    var format: Format = .jsonl

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }

    func run() throws {
        let specs: [IndicatorSpec]
        do {
            specs = try IndicatorSpecParser.parse(indicators)
        } catch {
            throw CommandFailure("--indicators: \(error.message)", code: QFluxExit.usage)
        }
        if let over = IndicatorBudget.commandLine.checkInstances(specs.count) {
            throw CommandFailure("--indicators: \(over.message)", code: QFluxExit.usage)
        }
        let loaded = try source.load()
        // Rows are kept whole and written as text: both are part of the estimate.
        if let over = IndicatorBudget.commandLine.check(
            specs, candles: loaded.columns.count, keptRows: loaded.columns.count)
        {
            throw CommandFailure(over.message)
        }
        try AnalysisOutput.write(to: output) { sink in
            try IndicatorGrid.write(loaded.columns, specs: specs, format: format == .csv ? .csv : .jsonl, to: sink)
        }
    }
}
