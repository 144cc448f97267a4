import Archive
import ArgumentParser
import Backtest
import Candles
import Engine
import Foundation
import Indicators
import TextWriters

/// `qflux signals`: the signal journal's statistics beside the backtest's on the same candles.
struct SignalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Statistics of the signal journal, beside `backtest --fill live` on the archive's candles.",
        discussion: """
            Reads the journal that `qflux stream` / `qflux replay` with --signals write under \
            --data-dir (signals.journal/; the ASSET/signals/ of older versions too) and prints, for \
            the scored signals: the count, the win rate with its Wilson 95 % interval, and the \
            profit per unit staked (payout in force, else --payout, when won; -1 when lost); overall \
            and by asset, strategy and hour of day (UTC).

            Beside each figure: the backtest with the live fill rule (`qflux backtest --fill live`) \
            on the archive's candles of the same asset, timeframe and strategy (rules:FILE reads FILE \
            again; the archive must hold those candles, e.g. --collect-stream candle or both), with \
            the journal's expiry, counted from --since on. Where live and backtest differ, the live \
            run missed or added trades (a late start, gaps, revised candles).

            Example:
              qflux replay day.cdp.jsonl --signals quantum_flux --collect-stream both --data-dir data
              qflux signals data --strategy quantum_flux

            Exit status: 0 done; 1 DIR unreadable or a damaged journal; 64 a bad option value.
            """)

    @Argument(help: "The data directory (the --data-dir of stream/replay).")
    var directory: String

    @Option(help: ArgumentHelp("Only this strategy label (quantum_flux, rules:my.rules).", valueName: "label"))
    var strategy: String?

    @Option(help: ArgumentHelp("Only this asset (the broker's spelling, EURUSD_otc).", valueName: "name"))
    var asset: String?

    @Option(help: "Only signals from this time on: epoch seconds or ISO-8601 UTC (2025-09-03T00:33:50Z).")
    var since: String?

    @Option(help: "Backtest profit on a won trade (0.8 = 80 %): the journal's default payout.")
    var payout: Double = 0.8

    func run() throws {
        var start: Int64?
        if let since {
            guard let t = UTCTime.parse(since) else {
                throw CommandFailure("--since: '\(since)' is neither epoch seconds nor ISO-8601", code: QFluxExit.usage)
            }
            start = Int64(t.rounded(.up))
        }
        guard payout.isFinite, payout >= 0 else {
            throw CommandFailure("--payout must be a number >= 0, got \(payout)", code: QFluxExit.usage)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("\(directory): no such directory")
        }
        let loaded: (entries: [SignalJournalEntry], chunks: Int, damaged: Int)
        do {
            loaded = try SignalJournalEntry.load(directory: directory, strategy: strategy, asset: asset, since: start)
        } catch {
            throw CommandFailure(nil, error)
        }
        var live = SignalBreakdown()
        for e in loaded.entries {
            guard let o = e.record.outcome else { continue }
            live.add(
                asset: e.record.asset, strategy: e.record.strategy, time: e.record.time, won: o.won, profit: o.profit)
        }
        var notes: [String] = []
        let backtest = backtestBreakdown(loaded.entries, since: start, notes: &notes)
        let pending = loaded.entries.count - live.all.trades
        var out =
            "qflux signals: \(directory) – \(loaded.entries.count) signals (\(live.all.trades) scored, \(pending) pending) from \(loaded.chunks) chunks\n"
        out += SignalBreakdown.table(live: live, backtest: backtest)
        for n in notes { out += "note: \(n)\n" }
        StandardStreams.out(Array(out.utf8))
        if loaded.damaged > 0 {
            throw CommandFailure(
                "\(loaded.damaged) journal chunks are damaged: read up to the damage (run qflux verify)")
        }
    }

    /// The backtest with the live fill on the archive's candles, per (asset, timeframe, strategy, expiry).
    private func backtestBreakdown(_ entries: [SignalJournalEntry], since: Int64?, notes: inout [String])
        -> SignalBreakdown
    {
        struct Group: Hashable {
            var asset: String
            var timeframe: Int
            var strategy: String
            var expiry: Int
        }
        var groups: [Group] = []
        var seen = Set<Group>()
        for e in entries {
            let g = Group(
                asset: e.record.asset, timeframe: e.record.timeframe, strategy: e.record.strategy,
                expiry: e.record.expiry)
            if seen.insert(g).inserted { groups.append(g) }
        }
        var out = SignalBreakdown()
        for g in groups {
            guard let made = Self.strategy(g.strategy) else {
                notes.append(
                    "backtest of \(g.strategy) on \(g.asset) skipped: strategy unknown or rules file unreadable")
                continue
            }
            let candles: [AnalysisCandle]
            do {
                candles = try AnalysisCandleLoader.load(
                    directory, asset: g.asset, timeframe: Timeframe(seconds: g.timeframe)
                ).candles
            } catch {
                notes.append("backtest of \(g.strategy) on \(g.asset) skipped: no candles in the archive")
                continue
            }
            var options = BacktestOptions()
            options.fill = .live
            options.period = Double(g.timeframe)
            options.expiry = Swift.max(1, g.expiry / Swift.max(1, g.timeframe))
            options.payout = payout
            let result = Backtester.run(candles: candles, strategy: made, options: options)
            for t in result.trades {
                let time = Int64(t.timestamp) + Int64(g.timeframe)
                if let since, time < since { continue }
                out.add(asset: g.asset, strategy: g.strategy, time: time, won: t.won, profit: t.won ? payout : -1)
            }
        }
        return out
    }

    /// The strategy a journal label names.
    static func strategy(_ label: String) -> (any SignalStrategy)? {
        if label.hasPrefix("rules:") {
            guard let text = try? String(contentsOfFile: String(label.dropFirst("rules:".count)), encoding: .utf8)
            else { return nil }
            return try? StrategyCatalog.make(rules: text).get()
        }
        return try? StrategyCatalog.make(name: label).get()
    }
}

/// Tallies overall and by asset, strategy and UTC hour.
struct SignalBreakdown {
    var all = SignalTally()
    var byAsset: [String: SignalTally] = [:]
    var byStrategy: [String: SignalTally] = [:]
    var byHour: [Int: SignalTally] = [:]

    mutating func add(asset: String, strategy: String, time: Int64, won: Bool, profit: Double) {
        all.add(won: won, profit: profit)
        byAsset[asset, default: SignalTally()].add(won: won, profit: profit)
        byStrategy[strategy, default: SignalTally()].add(won: won, profit: profit)
        let hour = Int(((time % 86400) + 86400) % 86400 / 3600)
        byHour[hour, default: SignalTally()].add(won: won, profit: profit)
    }

    static func cell(_ t: SignalTally?) -> String {
        guard let t, t.trades > 0 else { return "-" }
        let (lo, hi) = t.wilson
        return String(
            format: "%d  %.1f %% [%.1f–%.1f]  %+.2f", t.trades, t.winRate * 100, lo * 100, hi * 100, t.profit)
    }

    static func table(live: SignalBreakdown, backtest: SignalBreakdown) -> String {
        var rows: [(String, String, String)] = [("", "live (journal)", "backtest --fill live")]
        rows.append(("all", cell(live.all), cell(backtest.all)))
        for a in Set(live.byAsset.keys).union(backtest.byAsset.keys).sorted() {
            rows.append(("asset \(a)", cell(live.byAsset[a]), cell(backtest.byAsset[a])))
        }
        for s in Set(live.byStrategy.keys).union(backtest.byStrategy.keys).sorted() {
            rows.append(("strategy \(s)", cell(live.byStrategy[s]), cell(backtest.byStrategy[s])))
        }
        for h in Set(live.byHour.keys).union(backtest.byHour.keys).sorted() {
            rows.append((String(format: "hour %02d UTC", h), cell(live.byHour[h]), cell(backtest.byHour[h])))
        }
        let w0 = rows.map(\.0.count).max() ?? 0
        let w1 = rows.map(\.1.count).max() ?? 0
        var out = "(trades  win rate [95 % interval]  profit per unit staked)\n"
        for (a, b, c) in rows {
            out += a.padding(toLength: w0 + 2, withPad: " ", startingAt: 0)
            out += b.padding(toLength: w1 + 3, withPad: " ", startingAt: 0) + c + "\n"
        }
        return out
    }
}
