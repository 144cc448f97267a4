import Archive
import ArgumentParser
import Backtest
import Candles
import Engine
import FastDecode
import Foundation
import Indicators

/// `qflux backtest`: the original tool's backtest (and better strategies) on archived or CSV candles.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract:
            "Backtest a strategy on an archive or a CSV file: the original's statistics and more, an HTML report, parameter sweeps.",
        discussion: """
            The trade loop is the original tool's: from candle WINDOW on, the strategy decides at \
            candle i; a trade enters at candle i's close and exits at candle i+EXPIRY's close, staking \
            a fraction of the balance; a won trade pays STAKE × PAYOUT, a lost one costs the stake. \
            The defaults are the original's (payout 0.8, 1 % stake, expiry 1, window 50, ties lost, \
            10000 to start), so `--strategy quantum_flux` reproduces its results trade for trade. \
            `--fill live` scores trades as the signal journal scores live signals (entry at the \
            decision's last candle, exit at the price at expiry), so `qflux signals` can set the two \
            side by side.

            Strategies:
              quantum_flux     the original's strategy, quirks included (no parameters)
              quantum_flux_ta  the same scoring on real (TA-Lib equal) RSI, MACD,
                               Bollinger bands and EMAs; parameters: rsi.period
                               rsi.low rsi.high macd.fast macd.slow macd.signal
                               bbands.period bbands.k ema.fast ema.slow threshold
              --rules          your own rules, from a file or as text:
                                 param lo = 30
                                 call: rsi(14) < $lo and close < bbands(20,2).lower
                                 put:  rsi(14) > 70 and close > bbands(20,2).upper
                               indicators as in `qflux indicators`, outputs with
                               .name (macd().signal, bbands(20,2).upper, stoch().k),
                               open high low close volume, numbers, $parameters,
                               + - * /, < <= > >= == !=, crosses_above,
                               crosses_below, and, or, not, parentheses;
                               statements separated by new lines or ';'.

            Output: the original's statistics and qflux's (return, max drawdown and its duration, win \
            rate with a 95 % interval, break-even win rate, profit factor, expectancy, streaks, \
            Sharpe, SQN, exposure) as a table; --json prints {trades, equity_curve, statistics} (the \
            original's shape, timestamps in epoch seconds) plus "strategy" and "extended".

            Sweeps: --sweep NAME=FROM..TO[:STEP] or NAME=A,B,C, repeatable (the cartesian product \
            runs on all cores, with a progress bar on a terminal). NAME is a strategy parameter \
            (rsi.period, a rules $parameter) or one of payout, stake, expiry, window, balance. Rows \
            are sorted best first by --sort: \(SweepMetric.allCases.map(\.rawValue).joined(separator: ", ")) \
            (default ending_balance; max_drawdown sorts lowest first).

            Examples:
              qflux backtest data --asset EURUSD_otc --timeframe 1m
              qflux backtest candles.csv --json > result.json
              qflux backtest candles.csv --strategy quantum_flux_ta \\
                  --param rsi.period=10 --report report.html --trades trades.csv
              qflux backtest candles.csv --expiry 3 --ties refund \\
                  --rules 'call: rsi(14) < 30; put: rsi(14) > 70'
              qflux backtest candles.csv --rules my.rules --sweep lo=20..35:5 \\
                  --sweep expiry=1,2,3 --sort profit_factor
              qflux backtest candles.csv --strategy quantum_flux_ta \\
                  --sweep rsi.period=7..21 --sweep bbands.k=1.5,2,2.5 --json

            Exit status: 0 done; 1 the input is missing, unreadable or holds no candles, a rules \
            error (line and column given), an output file not writable; 64 a bad option value \
            (unknown strategy, --param, --sweep, --sort, --stake…).
            """
    )

    @OptionGroup var source: AnalysisInputOptions

    @Option(help: ArgumentHelp("quantum_flux (default) or quantum_flux_ta.", valueName: "name"))
    var strategy: String?

    @Option(help: ArgumentHelp("Rules: a file, or the rules text itself (see above).", valueName: "file-or-text"))
    var rules: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp(
            "A strategy parameter, NAME=VALUE (rsi.period=10, or a rules parameter lo=25); repeatable.",
            valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "Profit on a won stake (0.8 = 80 %).")
    var payout: Double?

    @Option(
        name: .customLong("payout-tape"),
        help: ArgumentHelp(
            "An archive (--data-dir of qflux stream) whose payout records (kind payouts) give the payout in force at each trade instead of --payout (used before the asset's first record). The asset is --asset, or the tape's only asset.",
            valueName: "dir"))
    var payoutTape: String?

    @Option(help: "Stake per trade as a fraction of the balance (0.01 = 1 %).")
    var stake: Double?

    @Option(
        name: .customLong("stake-fixed"),
        help: ArgumentHelp("A fixed stake per trade instead (capped at the balance).", valueName: "amount"))
    var stakeFixed: Double?

    @Option(help: ArgumentHelp("Candles from entry to exit (exit at candle i+N's close).", valueName: "candles"))
    var expiry: Int?

    @Option(
        help: ArgumentHelp(
            "Candles before the first decision (the original's strategy sees the N candles before i).",
            valueName: "candles"))
    var window: Int?

    @Option(help: "What a trade whose exit equals its entry counts as: loss (the original), refund or win.")
    var ties: BacktestOptions.TieRule?

    @Option(help: "Starting balance.")
    var balance: Double?

    @Option(
        help: ArgumentHelp(
            "Where trades enter and exit: original (the default: entry at candle i's close, one candle after quantum_flux's decision) or live (the signal journal's rule: entry at the close of the decision's last candle, exit at the price at expiry, i.e. the close of the candle ending EXPIRY periods later, or of the last one before it across a gap).",
            valueName: "rule"))
    var fill: FillRule?

    @Flag(
        help:
            "Print JSON instead of the table: {trades, equity_curve, statistics, strategy, extended}; with --sweep {metric, parameters, results}."
    )
    var json = false

    @Option(
        help: ArgumentHelp(
            "Write a self-contained HTML report (equity and drawdown charts, statistics, trades).",
            valueName: "file.html"))
    var report: String?

    @Option(
        help: ArgumentHelp(
            "Write the trades as CSV (timestamp,time,signal,entry_price,exit_price,won,profit,balance).",
            valueName: "file.csv"))
    var trades: String?

    @Option(
        name: .customLong("sweep"),
        help: ArgumentHelp(
            "Sweep a parameter: NAME=FROM..TO[:STEP] or NAME=A,B,C; repeatable.", valueName: "name=values"))
    var sweeps: [String] = []

    @Option(help: ArgumentHelp("Sweep sort metric (best first).", valueName: "metric"))
    var sort: String?

    @Flag(name: .shortAndLong, help: "No progress or summary on standard error.")
    var quiet = false

    func run() throws {
        let options = try backtestOptions()
        let parameters = try parsedParameters()
        if strategy != nil, rules != nil { throw usage("give --strategy or --rules, not both") }
        if sweeps.isEmpty, sort != nil { throw usage("--sort orders --sweep results: add a --sweep") }
        if !sweeps.isEmpty, report != nil || trades != nil {
            throw usage("--report and --trades describe one backtest: leave them out of a --sweep")
        }
        let name = strategy ?? "quantum_flux"
        if rules == nil, !StrategyCatalog.names.contains(name) {
            throw usage(
                "Unknown strategy: \(name) (known: \(StrategyCatalog.names.joined(separator: ", ")), or --rules)")
        }
        let rulesText = try rules.map(loadRules)
        let make: @Sendable ([String: Double]) -> Result<any SignalStrategy, StrategyError> = { p in
            if let text = rulesText?.text { return StrategyCatalog.make(rules: text, parameters: p) }
            return StrategyCatalog.make(name: name, parameters: p)
        }
        if sweeps.isEmpty {
            let strategy = try build(make, parameters, rules: rulesText)
            let loaded = try source.load()
            try single(strategy, loaded: loaded, options: options)
        } else {
            let sweep = try makeSweep(options)
            // Check the strategy once with the first combination, so a rules error or a bad
            // parameter is one message instead of a table of errors.
            var first = parameters
            for (p, v) in zip(sweep.parameters, sweep.combination(0)) where !Sweep.optionNames.contains(p.name) {
                first[p.name] = v
            }
            _ = try build(make, first, rules: rulesText)
            let loaded = try source.load()
            let base = parameters
            let rows = runSweep(sweep, candles: loaded.candles) { p in make(base.merging(p) { $1 }) }
            try AnalysisOutput.write(json ? sweep.json(rows) + "\n" : sweep.table(rows), to: nil)
        }
    }

    // MARK: - One backtest

    private func single(_ strategy: any SignalStrategy, loaded: AnalysisInputOptions.Loaded, options: BacktestOptions)
        throws
    {
        let result = Backtester.run(columns: loaded.columns, strategy: strategy, options: options)
        let extended = ExtendedStatistics(result)
        if json {
            var bytes = BacktestJSON.bytes(result, timestamps: .epochSeconds, extended: extended, reserving: 1)
            bytes.append(0x0A)
            StandardStreams.out(bytes)
        } else {
            try AnalysisOutput.write(Self.table(result, extended, label: loaded.label), to: nil)
        }
        if let report {
            try AnalysisOutput.write(
                HTMLReport.render(result, title: "qflux backtest – \(result.strategy) – \(loaded.label)"), to: report)
            if !quiet { StandardStreams.err("qflux backtest: report written to \(report)") }
        }
        if let trades {
            try AnalysisOutput.write(TradesCSV.render(result), to: trades)
            if !quiet { StandardStreams.err("qflux backtest: \(result.trades.count) trades written to \(trades)") }
        }
    }

    /// The human output: the run, the original's statistics and the extended ones, aligned.
    static func table(_ r: BacktestResult, _ x: ExtendedStatistics, label: String) -> String {
        let s = r.statistics
        let o = r.options
        let stake: String
        switch o.stake {
        case .fraction(let f): stake = "\(formatNumber(f * 100)) % of the balance"
        case .fixed(let a): stake = "\(formatNumber(a)) fixed"
        }
        var out =
            "\(r.strategy) on \(label): \(r.candleCount) candles, \(TimestampParser.format(r.firstTimestamp)) – \(TimestampParser.format(r.lastTimestamp)) UTC\n"
        out +=
            "payout \(formatNumber(o.payout)), stake \(stake), expiry \(o.expiry) candle\(o.expiry == 1 ? "" : "s"), window \(o.window), ties: \(o.ties.rawValue)\(o.fill == .live ? ", fill: live (entry at the decision's candle, exit at expiry)" : "")\n"
        let original: [(String, String)] = [
            ("total_trades", "\(s.totalTrades)"), ("wins", "\(s.wins)"), ("losses", "\(s.losses)"),
            ("win_rate", fixed(s.winRate, 2) + " %"), ("starting_balance", fixed(s.startingBalance, 2)),
            ("ending_balance", fixed(s.endingBalance, 2)), ("total_profit", fixed(s.totalProfit, 2)),
            ("profit_percentage", fixed(s.profitPercentage, 2) + " %"),
        ]
        let extended = x.rows
        let width = (original + extended).map(\.0.count).max() ?? 0
        func section(_ title: String, _ rows: [(String, String)]) -> String {
            "\n\(title)\n"
                + rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 + "\n" }
                .joined()
        }
        out += section("Original statistics", original)
        out += section("Extended statistics", extended)
        return out
    }

    // MARK: - Sweeps

    private func makeSweep(_ options: BacktestOptions) throws -> Sweep {
        var parameters: [SweepParameter] = []
        for text in sweeps {
            do {
                var p = try SweepParameter.parse(text.hasPrefix("$") ? String(text.dropFirst()) : text)
                if p.name.hasPrefix("$") { p.name.removeFirst() }
                if parameters.contains(where: { $0.name == p.name }) { throw usage("--sweep \(p.name) is given twice") }
                parameters.append(p)
            } catch let error as SweepError {
                throw usage("--sweep: \(error.message)")
            }
        }
        var metric = SweepMetric.endingBalance
        if let sort {
            guard let m = SweepMetric(rawValue: sort) else {
                throw usage(
                    "--sort: unknown metric '\(sort)' (known: \(SweepMetric.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            metric = m
        }
        let sweep = Sweep(parameters: parameters, options: options, metric: metric)
        let count = parameters.reduce(1.0) { $0 * Double($1.values.count) }
        if count > 1_000_000 {
            // The product of several 100,000-value sweeps passes Int.max: Int(count) would trap.
            let shown = count < 9e18 ? String(Int(count)) : "\(count)"
            throw usage("--sweep: \(shown) combinations is too many (at most 1000000)")
        }
        return sweep
    }

    private func runSweep(_ sweep: Sweep, candles: [AnalysisCandle], factory: @escaping Sweep.Factory) -> [SweepRow] {
        let total = sweep.combinationCount
        let progress = SweepProgress(total: total, terminal: StandardStreams.stderrIsTerminal, enabled: !quiet)
        let started = monotonicSeconds()
        let rows = sweep.run(candles: candles, factory: factory) { done, _ in progress.update(done) }
        progress.finish()
        if !quiet {
            let seconds = monotonicSeconds() - started
            let failed = rows.filter { $0.error != nil }.count
            StandardStreams.err(
                "qflux backtest: \(total) runs over \(candles.count) candles on \(ProcessInfo.processInfo.activeProcessorCount) cores in \(fixed(seconds, 2)) s\(failed > 0 ? " (\(failed) failed)" : "")"
            )
        }
        return rows
    }

    // MARK: - Options

    private func usage(_ message: String) -> CommandFailure { CommandFailure(message, code: QFluxExit.usage) }

    private func backtestOptions() throws -> BacktestOptions {
        var options = BacktestOptions()
        if let payout { options.payout = payout }
        if stake != nil, stakeFixed != nil { throw usage("give --stake or --stake-fixed, not both") }
        if let stake { options.stake = .fraction(stake) }
        if let stakeFixed { options.stake = .fixed(stakeFixed) }
        if let expiry { options.expiry = expiry }
        if let window { options.window = window }
        if let ties { options.ties = ties }
        if let balance { options.startingBalance = balance }
        if let fill { options.fill = fill }
        if let tf = source.timeframe.flatMap(Timeframe.init(parsing:)) { options.period = Double(tf.seconds) }
        if let problem = options.validate() { throw usage(problem) }
        if let payoutTape { options.payoutSchedule = try payoutSchedule(from: payoutTape) }
        return options
    }

    /// The payouts of the traded asset from a payout tape (`--payout-tape`).
    private func payoutSchedule(from directory: String) throws -> PayoutSchedule {
        let tape: PayoutTape
        do {
            tape = try PayoutTape.load(directory: directory)
        } catch {
            throw CommandFailure(nil, error)
        }
        guard !tape.isEmpty else {
            throw CommandFailure("--payout-tape \(directory): no payout records in this archive")
        }
        let asset: String
        if let wanted = source.asset {
            guard
                let found = tape.entries.keys.first(where: {
                    $0 == wanted || AssetDirectory.looseKey($0) == AssetDirectory.looseKey(wanted)
                })
            else { throw CommandFailure("--payout-tape \(directory): no payouts for \(wanted)") }
            asset = found
        } else {
            guard tape.assetCount == 1, let only = tape.entries.keys.first else {
                throw usage("--payout-tape \(directory) holds \(tape.assetCount) assets: give --asset")
            }
            asset = only
        }
        return PayoutSchedule(tape.entries[asset, default: []].map { (time: $0.time, payout: $0.payout) })
    }

    private func parsedParameters() throws -> [String: Double] {
        var out: [String: Double] = [:]
        for text in parameters {
            guard let eq = text.firstIndex(of: "=") else { throw usage("--param \(text): expected NAME=VALUE") }
            var name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("$") { name.removeFirst() }
            let raw = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw usage("--param \(text): missing NAME before '='") }
            guard let v = Double(raw), v.isFinite else { throw usage("--param \(name): '\(raw)' is not a number") }
            out[name] = v
        }
        return out
    }

    /// The rules text, from the file `rules` names or `rules` itself.
    private func loadRules(_ argument: String) throws -> (text: String, origin: String?) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw CommandFailure("--rules \(argument): is a directory") }
            guard let text = readTextFile(argument) else { throw CommandFailure("--rules \(argument): cannot read it") }
            return (text, argument)
        }
        // A single word that looks like a path but names no file: say so rather than parse it.
        let looksLikePath = !argument.contains(where: { $0 == " " || $0 == ":" || $0 == "\n" || $0 == ";" })
        if looksLikePath {
            throw CommandFailure("--rules \(argument): no such file (rules text needs 'call:' or 'put:')")
        }
        return (argument, nil)
    }

    /// The strategy for `parameters`; rules errors name the file (or "rules"), line and column.
    private func build(
        _ make: ([String: Double]) -> Result<any SignalStrategy, StrategyError>, _ parameters: [String: Double],
        rules: (text: String, origin: String?)?
    ) throws -> any SignalStrategy {
        switch make(parameters) {
        case .success(let s): return s
        case .failure(let e):
            if let rules { throw CommandFailure("\(rules.origin ?? "--rules"): \(e.message)") }
            throw usage(e.message)
        }
    }
}

extension BacktestOptions.TieRule: ExpressibleByArgument {}
extension FillRule: ExpressibleByArgument {}
