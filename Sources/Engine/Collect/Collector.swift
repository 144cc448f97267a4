import Archive
import Candles
import ChromeCDP
import FastDecode
import Foundation
import Logging

/// `qflux collect`: attaches to the logged-in broker page, clicks each selected favourite and
/// then each timeframe, waits for the broker's history of that asset and period, and archives
/// its candles (``HistoryArchiver``). See docs/collect.md.
package final class Collector {
    /// How a collection runs.
    package struct Configuration: Sendable {
        /// Chrome's DevTools endpoint (`--cdp`).
        package var address = CDPAddress()
        /// Which page (`--target`).
        package var matcher = TargetMatcher.pocketOption
        /// Where things are on the page (`--selectors`).
        package var selectors = CollectSelectors()
        /// Favourites to visit by name (`--assets`); empty: by payout.
        package var assets: [String] = []
        /// Lowest payout visited when ``assets`` is empty (`--min-payout`).
        package var minPayout = 92
        /// Timeframes in click order (`--timeframes`, `--stack`).
        package var timeframes: [Timeframe] = CollectPlan.stack("1m")!
        /// The archive (`--data-dir`).
        package var dataDirectory = "data"
        /// Candles per chunk file.
        package var candleChunkSize = 100
        /// Seconds after each click (`--click-delay`).
        package var clickDelay = 0.4
        /// Seconds after clicking a favourite, before its first timeframe (`--settle-delay`).
        package var settleDelay = 1.0
        /// Seconds to wait for a history after a timeframe click (`--history-timeout`); then one retry.
        package var historyTimeout = 10.0
        /// Only list what would be clicked (`--dry-run`).
        package var dryRun = false
        /// Only visit asset × timeframe pairs whose archived candles have gaps (`--fill-gaps`).
        package var fillGaps = false

        /// The defaults.
        package init() {}
    }

    /// One asset × timeframe visited.
    package struct Row: Sendable {
        /// The favourite's label.
        package var label: String
        /// The broker's asset name (from its history), when a history came.
        package var asset: String?
        /// The timeframe.
        package var timeframe: Timeframe
        /// Candles of the history received (without the forming one); 0 when none came.
        package var candles: Int
        /// Candles of this asset and timeframe newly archived by this run (from every history received for them).
        package var written: Int
        /// Oldest and newest candle start received.
        package var first: Int64?
        package var last: Int64?
        /// Why nothing came, when nothing did.
        package var problem: String?
    }

    /// What a run did.
    package struct Outcome: Sendable {
        /// Every favourite on the page, in bar order.
        package var favourites: [Favourite] = []
        /// The plan.
        package var plan = CollectPlan(visits: [])
        /// One row per asset × timeframe visited.
        package var rows: [Row] = []
        /// Whether this process wrote the archive (false: dry run, or another writer holds it).
        package var archived = false
        /// The lock message when another writer holds the data directory.
        package var lockedBy: String?
        /// Whether the run was asked to stop before its end.
        package var stopped = false
        /// Candles written and skipped as already archived.
        package var written = 0
        package var alreadyArchived = 0
    }

    let configuration: Configuration
    private let logger: Logger
    private let progress: (String) -> Void

    /// A collector; `progress` gets one line per step (stderr in the CLI).
    package init(configuration: Configuration, logger: Logger, progress: @escaping (String) -> Void) {
        self.configuration = configuration
        self.logger = logger
        // Lines quote the page (labels, its URL, element names): never raw to the terminal.
        self.progress = { progress(PageText.printable($0)) }
    }

    /// Runs the collection. Throws ``CollectError`` (or ``ChromeError``) when it cannot start or a
    /// page control is missing. `stopRequested` is asked before each click: once it returns true
    /// (Ctrl-C) the run ends there, with the archive closed and the rows so far.
    package func run(stopRequested: () -> Bool = { false }) throws -> Outcome {
        let c = configuration
        let watch = try HistoryWatch()
        defer {  // also when the run stops on an error
            let skipped = watch.skipped
            if skipped.malformed > 0 {
                progress(
                    "the broker's frames held \(skipped.malformed) malformed value\(skipped.malformed == 1 ? "" : "s") "
                        + "(\(skipped.absurdValues) times or prices out of range), skipped")
            }
            let dropped = watch.dropped
            if dropped.histories > 0 || dropped.closedCandles > 0 {
                progress(
                    "the page sent histories faster than they were archived: \(dropped.histories) histories and "
                        + "\(dropped.closedCandles) closed candles over the waiting bound were dropped")
            }
        }
        let (session, target) = try attach(watch)
        defer { session.close() }
        progress("attached to \(target.displayURL) at \(c.address)")
        try session.call("Network.enable")
        let driver = PageDriver(session: session, selectors: c.selectors, clickDelay: c.clickDelay)

        var outcome = Outcome()
        outcome.favourites = try driver.readFavourites()
        progress(
            "favourites: "
                + outcome.favourites.map { "\($0.label) (\($0.payout.map { "\($0)%" } ?? "no payout"))" }.joined(
                    separator: ", "))
        let chosen = CollectPlan.select(outcome.favourites, assets: c.assets, minPayout: c.minPayout)
        outcome.plan = try plan(chosen)
        if outcome.plan.visits.isEmpty {
            throw CollectError(
                c.assets.isEmpty
                    ? "no favourite pays at least \(c.minPayout) % (\(outcome.favourites.count) favourites read)\(c.fillGaps ? " with gaps to fill" : "")"
                    : "no favourite matches --assets \(c.assets.joined(separator: ","))\(c.fillGaps ? " with gaps to fill" : "")"
            )
        }
        if c.dryRun {
            for v in outcome.plan.visits {
                progress(
                    "would click favourite '\(v.favourite.label)', then "
                        + v.timeframes.map { driver.label(of: $0.description) }.joined(separator: ", "))
            }
            return outcome
        }

        var archiver: HistoryArchiver?
        do throws(ArchiveError) {
            archiver = try HistoryArchiver(
                directory: c.dataDirectory, assets: watch.assets, candleChunkSize: c.candleChunkSize,
                logger: logger)
            outcome.archived = true
        } catch {
            guard error.code == .locked else { throw error }
            let message =
                "\(error.path) is in use by another qflux writer\(error.detail.map { " (\($0))" } ?? "") – collect drives the page and the process holding the lock "
                + "(a qflux stream --collect-stream on this --data-dir) archives the histories it receives, for the timeframes it forms"
            outcome.lockedBy = message
            progress(message)
        }
        defer {
            if let archiver {
                do { try archiver.close() } catch { progress("archive close failed: \(error)") }
            }
        }

        var seen: [ReceivedHistory] = []
        visits: for visit in outcome.plan.visits {
            if stopRequested() { outcome.stopped = true; break }
            let label = visit.favourite.label
            try absorb(watch, archiver, into: &seen)  // late ones of the previous visit: archived, not this visit's
            seen.removeAll()
            try driver.clickFavourite(label)
            let symbolsBefore = watch.changeSymbol.count
            if c.settleDelay > 0 { Thread.sleep(forTimeInterval: c.settleDelay) }
            try absorb(watch, archiver, into: &seen)
            for tf in visit.timeframes {
                if stopRequested() { outcome.stopped = true; break visits }
                var row = Row(label: label, asset: nil, timeframe: tf, candles: 0, written: 0)
                // The favourite click brings the history of the chart's current timeframe: no click needed.
                var got = awaited(
                    tf, label: label, asset: changeSymbolAsset(watch, after: symbolsBefore), in: seen[...])
                let early = got != nil
                var attempt = 0
                while got == nil, attempt < 2 {
                    attempt += 1
                    let from = seen.count
                    try driver.clickTimeframe(tf.description)
                    got = try waitForHistory(
                        tf, label: label, symbolsBefore: symbolsBefore, watch: watch, archiver: archiver,
                        seen: &seen, from: from)
                    if got == nil && attempt == 1 {
                        progress(
                            "\(label) \(tf): no \(tf) history within \(seconds(c.historyTimeout)); clicking \(driver.label(of: tf.description)) again"
                        )
                    }
                }
                if let got {
                    fill(&row, from: got, archiver)
                    progress(
                        "\(label) \(tf): \(row.candles) candles \(Self.range(row.first, row.last))"
                            + (archiver != nil ? ", \(row.written) new" : "")
                            + (early ? " (came with the favourite click)" : ""))
                } else {
                    row.problem = "no history within \(seconds(c.historyTimeout)) (twice)"
                    progress("\(label) \(tf): no history – skipped")
                }
                outcome.rows.append(row)
            }
        }
        try absorb(watch, archiver, into: &seen)  // late arrivals of the last visit
        outcome.written = archiver?.written ?? 0
        outcome.alreadyArchived = archiver?.alreadyArchived ?? 0
        return outcome
    }

    /// Attaches to the page; an unreachable Chrome is a message saying how to start it.
    private func attach(_ watch: HistoryWatch) throws -> (CDPCommandSession, ChromeTarget) {
        let c = configuration
        let handler: @Sendable (UnsafeRawBufferPointer) -> Void = { watch.handle($0) }
        do throws(ChromeError) {
            let attached = try CDPCommandSession.attach(address: c.address, matcher: c.matcher, onEvent: handler)
            return (attached.session, attached.target)
        } catch {
            guard error.code == .connect || error.code == .resolve else { throw error }
            throw CollectError(
                "Chrome is not reachable at \(c.address) (\(error.cause)): start it with --remote-debugging-port=\(c.address.port) "
                    + "--user-data-dir=<a separate profile dir> and open the broker's page")
        }
    }

    /// The visits for the chosen favourites (with ``Configuration/fillGaps``: only pairs with gaps).
    private func plan(_ chosen: [Favourite]) throws -> CollectPlan {
        guard configuration.fillGaps else {
            return CollectPlan(
                visits: chosen.map { CollectPlan.Visit(favourite: $0, timeframes: configuration.timeframes) })
        }
        let coverage: ArchiveCoverage
        do throws(ArchiveError) {
            coverage = try ArchiveCoverage.scan(directory: configuration.dataDirectory)
        } catch {
            guard error.code == .noChunks || error.code == .read else { throw error }
            throw CollectError(
                "--fill-gaps: \(configuration.dataDirectory) holds no archive yet; collect without --fill-gaps first")
        }
        var visits: [CollectPlan.Visit] = []
        for f in chosen {
            let gapped = configuration.timeframes.filter { tf in
                coverage.series.contains {
                    CollectPlan.sameAsset($0.asset, label: f.label) && $0.timeframeSeconds == tf.seconds
                        && !$0.gaps.isEmpty
                }
            }
            if !gapped.isEmpty { visits.append(CollectPlan.Visit(favourite: f, timeframes: gapped)) }
        }
        return CollectPlan(visits: visits)
    }

    func seconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : "\(s) s" }

    /// `2026-11-20 10:00 → 2026-11-26 19:00` (UTC), or `-`.
    package static func range(_ first: Int64?, _ last: Int64?) -> String {
        guard let first, let last else { return "-" }
        return "\(utc(first)) → \(utc(last))"
    }

    /// `2026-11-20 10:00` (UTC).
    package static func utc(_ t: Int64) -> String {
        var time = time_t(t)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min))"
    }
}
