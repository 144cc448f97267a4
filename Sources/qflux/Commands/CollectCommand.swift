import ArgumentParser
import Candles
import ChromeCDP
import Collect
import Foundation
import Logging
import Synchronization

/// `qflux collect`: drives the logged-in broker page to collect history for backtests.
struct CollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract:
            "Collect history for backtests: click through favourites and timeframes in Chrome and archive the broker's history.",
        discussion: """
            Attaches to the logged-in broker page over the DevTools Protocol (the same Chrome as \
            `qflux stream`: --remote-debugging-port, --cdp, --target) and drives it as a person \
            would: reads the favourites bar (scrolling it to its end), picks every favourite paying at \
            least --min-payout % (or those matching --assets), and for each one clicks it, then the \
            chart's timeframes in --timeframes order. After each timeframe click it waits for the \
            broker's history of that asset and period (--history-timeout; one retry, then it reports \
            and goes on) and archives its candles under --data-dir – the archive `qflux stream` \
            writes, without repeating candles already there. The newest candle of a history is still \
            forming and is not archived. Clicks are real mouse events at the element.

            Where the favourites and timeframe controls are comes from a selectors file (defaults: \
            the broker's page as of 2025; --print-selectors shows them, --selectors FILE overrides \
            them; docs/collect.md). A control that cannot be found stops the run with a message \
            naming its selector.

            Beside a running `qflux stream --collect-stream` on the same --data-dir, collect cannot \
            take the data directory's lock: it says so, still drives the page, and the stream \
            archives the histories (for the timeframes it forms, see its --timeframes).

            Ctrl-C (or SIGTERM) stops before the next click: the archive is closed and the table so \
            far printed. Progress goes to stderr, one line per asset and timeframe; the final table (asset, \
            timeframe, candles received, new, range in UTC) to stdout. Exits 1 when nothing could be \
            collected or the page cannot be driven. `qflux ls DIR --coverage` shows what the archive \
            holds and its gaps; --fill-gaps re-visits only pairs with gaps.
            """
    )

    @Option(help: "Chrome's DevTools endpoint, HOST:PORT (Chrome started with --remote-debugging-port=PORT).")
    var cdp: String = "127.0.0.1:9222"

    @Option(help: "Attach to the page whose URL contains this text (default: pocketoption or po.market).")
    var target: String?

    @Option(
        help: ArgumentHelp(
            "Collect these favourites only: comma-separated, each contained in the label or asset name (eurusd, \"EUR/USD OTC\", EURUSD_otc); payout is then ignored.",
            valueName: "list"))
    var assets: String?

    @Option(
        name: .customLong("min-payout"),
        help: "Without --assets: collect every favourite paying at least this many percent.")
    var minPayout: Int = 92

    @Option(
        help: ArgumentHelp(
            "Timeframes to click for each asset, in order (labels H1, M15, …; see --print-selectors).",
            valueName: "list"))
    var timeframes: String?

    @Option(
        help: ArgumentHelp(
            "The original's stacks: 1m = 1h,15m,5m,1m (the default); 5m = 4h,1h,15m,5m. Excludes --timeframes.",
            valueName: "1m|5m"))
    var stack: String?

    @Option(name: .customLong("data-dir"), help: "Archive directory (created when missing).")
    var dataDirectory: String = "data"

    @Option(name: .customLong("candle-chunk-size"), help: "Candles per chunk file.")
    var candleChunkSize: Int = 100

    @Option(help: "JSON file of selectors and timeframe labels overriding the defaults (docs/collect.md).")
    var selectors: String?

    @Flag(name: .customLong("print-selectors"), help: "Print the default selectors file and exit.")
    var printSelectors = false

    @Option(name: .customLong("click-delay"), help: "Seconds to wait after each click.")
    var clickDelay: Double = 0.4

    @Option(
        name: .customLong("settle-delay"),
        help: "Seconds to wait after clicking a favourite before its first timeframe.")
    var settleDelay: Double = 1.0

    @Option(
        name: .customLong("history-timeout"),
        help: "Seconds to wait for a history after a timeframe click (then one retry).")
    var historyTimeout: Double = 10

    @Flag(
        name: .customLong("dry-run"),
        help: "Read the favourites and list what would be clicked; click nothing else, archive nothing.")
    var dryRun = false

    @Flag(
        name: .customLong("fill-gaps"),
        help: "Visit only asset × timeframe pairs whose archived candles have gaps (qflux ls --coverage).")
    var fillGaps = false

    func validate() throws {
        do { _ = try CDPAddress(parsing: cdp) } catch { throw ValidationError("--cdp: \(error.cause)") }
        if let target, target.isEmpty { throw ValidationError("--target must not be empty") }
        guard (0...100).contains(minPayout) else { throw ValidationError("--min-payout must be between 0 and 100") }
        guard (0...60).contains(clickDelay) else {
            throw ValidationError("--click-delay must be between 0 and 60 seconds")
        }
        guard (0...60).contains(settleDelay) else {
            throw ValidationError("--settle-delay must be between 0 and 60 seconds")
        }
        guard (0.1...600).contains(historyTimeout) else {
            throw ValidationError("--history-timeout must be between 0.1 and 600 seconds")
        }
        guard candleChunkSize > 0 else { throw ValidationError("--candle-chunk-size must be at least 1") }
        _ = try clickOrder()
    }

    /// The timeframes in click order.
    func clickOrder() throws -> [Timeframe] {
        if let stack {
            guard timeframes == nil else { throw ValidationError("--stack and --timeframes exclude each other") }
            guard let list = CollectPlan.stack(stack) else { throw ValidationError("--stack must be 1m or 5m") }
            return list
        }
        guard let timeframes else { return CollectPlan.stack("1m")! }
        var out: [Timeframe] = []
        for item in timeframes.split(separator: ",") {
            guard let tf = Timeframe(parsing: String(item)) else {
                throw ValidationError("'\(item)' is not a timeframe; use e.g. 1m, 5m, 15m, 1h, 4h")
            }
            if !out.contains(tf) { out.append(tf) }
        }
        guard !out.isEmpty else { throw ValidationError("--timeframes needs at least one timeframe") }
        return out
    }

    func run() throws {
        if printSelectors {
            StandardStreams.out(Array((CollectSelectors.defaultsJSON + "\n").utf8))
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var config = Collector.Configuration()
        config.address = try CDPAddress(parsing: cdp)
        if let target { config.matcher = TargetMatcher(patterns: [target]) }
        if let selectors { config.selectors = try CollectSelectors.load(path: selectors) }
        config.assets = (assets ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        config.minPayout = minPayout
        config.timeframes = try clickOrder()
        config.dataDirectory = dataDirectory
        config.candleChunkSize = candleChunkSize
        config.clickDelay = clickDelay
        config.settleDelay = settleDelay
        config.historyTimeout = historyTimeout
        config.dryRun = dryRun
        config.fillGaps = fillGaps
        signal(SIGPIPE, SIG_IGN)
        // Ctrl-C / SIGTERM / SIGHUP only set a flag: the run stops before its next click, closes the
        // archive and prints the table so far.
        StopSignals.install()

        let collector = Collector(configuration: config, logger: Logger(label: "qflux.collect")) { line in
            StandardStreams.err("qflux collect: \(line)")
        }
        let outcome = try collector.run { StopSignals.requested }
        if outcome.stopped {
            StandardStreams.err("qflux collect: stopped by \(StopSignals.name) before the end of the plan")
        }
        if dryRun { return }
        var rows = [["ASSET", "BROKER NAME", "TF", "CANDLES", "NEW", "FROM (UTC)", "TO (UTC)", "NOTE"]]
        for r in outcome.rows {
            rows.append([
                r.label, r.asset ?? "-", r.timeframe.description, String(r.candles),
                outcome.archived ? String(r.written) : "-",
                r.first.map(Collector.utc) ?? "-", r.last.map(Collector.utc) ?? "-", r.problem ?? "",
            ])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        var text = ""
        for row in rows {
            text +=
                zip(row, widths).enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: cell.1 - cell.0.count)
                    return (3...4).contains(i) ? pad + cell.0 : cell.0 + pad
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        let collected = outcome.rows.filter { $0.candles > 0 }.count
        if outcome.archived {
            text +=
                "\(collected) of \(outcome.rows.count) asset × timeframe pairs collected; \(outcome.written) candles archived in \(dataDirectory), \(outcome.alreadyArchived) received again or archived before\n"
        } else {
            text +=
                "\(collected) of \(outcome.rows.count) asset × timeframe pairs collected; archived by the process holding \(dataDirectory)\n"
        }
        StandardStreams.out(Array(text.utf8))
        guard collected > 0 else {
            throw CommandFailure(
                "nothing collected: no history came for any of \(outcome.rows.count) asset × timeframe pairs")
        }
    }
}
