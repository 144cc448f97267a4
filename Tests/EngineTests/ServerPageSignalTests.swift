import Archive
import FastDecode
import Foundation
import Logging
import Testing

@testable import Engine

/// The chart page's live signals in headless Chromium (issue 25, item 5): `qflux stream
/// --replay-archive DIR --signals quantum_flux` serves a recorded market; the page, opened while it
/// runs, marks every signal of its asset × timeframe on its candle at the entry price with the
/// journal's direction, recolours it at expiry and shows the journal's tally with its Wilson
/// interval; reloaded after the replay, it shows the same from the journal alone.
@Suite("Server page signals", .serialized)
struct ServerPageSignalTests {
    static let asset = "EURUSD_otc"
    /// The recorded market's first tick (a multiple of 5 s).
    static let start = 1_756_000_000.0
    /// Recorded seconds: 180 candles of 5 s (quantum_flux decides from the 50th on).
    static let seconds = 900

    /// Records a market of one asset through the pipeline into a tick archive under `directory`: a
    /// tick per second, a random walk with swings of a few candles (quantum_flux signals 43 times
    /// on its 5 s candles, 10 of them won, as `backtest --fill live` counts them).
    static func recordMarket(_ directory: String) throws {
        var config = PipelineConfiguration()
        config.backpressure = .wait
        config.archive = ArchiveConfiguration(directory: directory, collect: .tick)
        var logger = Logger(label: "test.page-signals")
        logger.logLevel = .critical
        let pipeline = try MarketPipeline(configuration: config, logger: logger)
        let feeder = try pipeline.makeFeeder()
        pipeline.start()
        let asset = feeder.assets.register(Self.asset)
        var state: UInt64 = 7
        var price = 1.17
        var events: [DecodedEvent] = []
        for i in 0..<seconds {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 11) / Double(1 << 53) - 0.5
            price = ((price + sin(Double(i) / 20) * 0.0002 + noise * 0.0006) * 100_000).rounded() / 100_000
            events.append(.tick(Tick(asset: asset, time: start + Double(i) + 0.25, price: price)))
        }
        feeder.feed(events: events)
        _ = try pipeline.finish()
    }

    @Test(
        "the page marks the journal's signals on their candles and shows its win rate, live and after a reload",
        .enabled(if: Dependency.chromium, Dependency.needsChromium),
        .enabled(if: Dependency.python, Dependency.needsPython),
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func marksSignals() throws {
        let browser = try #require(Dependency.chromiumPath)
        let qflux = try #require(qfluxBinaryPath())
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorded = dir.appendingPathComponent("recorded").path
        let replayed = dir.appendingPathComponent("replayed").path
        try Self.recordMarket(recorded)

        // The README's session: the recorded day as a live market, 20 times its pace (45 s: the page,
        // opened meanwhile, sees most signals live; quantum_flux decides from the 50th candle, 12.5 s in).
        let stream = try ChildProcess(
            qflux,
            [
                "stream", "--replay-archive", recorded, "--speed", "20", "--signals", "quantum_flux", "--timeframes",
                "5s", "--data-dir", replayed, "--port", "0",
            ])
        defer { stream.kill() }
        var base: String?
        #expect(
            waitUntil(30) {
                base = stream.log.firstMatch(of: /open (http:\/\/127\.0\.0\.1:\d+)\//).map { String($0.1) }
                return base != nil
            }, "\(stream.log.suffix(600))")
        let url = try #require(base)
        var result: [String: Any] = [:]
        try withHeadlessPage(
            browser, "\(url)/?asset=\(Self.asset)&timeframe=5s&signals=quantum_flux",
            arguments: ["--window-size=1400,800"]
        ) { port in
            let run = try runScript("page_signals_probe.py", args: [String(port), url, "150"], timeout: 170)
            result = try #require(run.result, "probe: \(run.stdout.suffix(800)) \(run.stderr.suffix(800))")
        }

        // The journal as `qflux export` writes it: the view's entries, oldest first.
        let export = try CLITests.qflux(["export", replayed, "--kind", "signals", "--format", "jsonl", "-q"])
        try #require(export.status == 0, "\(export.stderr)")
        let journal = SignalJournalReplayTests.jsonLines(export.stdout).filter {
            $0["asset"] as? String == Self.asset && $0["timeframe"] as? Int == 5
                && $0["strategy"] as? String == "quantum_flux"
        }
        let decided = journal.filter { $0["won"] is Bool }
        let wins = decided.filter { $0["won"] as? Bool == true }.count
        #expect(decided.count >= 20 && wins > 0 && wins < decided.count, "\(decided.count) decided, \(wins) won")

        for phase in ["live", "reload", "again"] {
            let p = try #require(result[phase] as? [String: Any], "\(phase) missing")
            #expect(p["ended"] as? Bool == true, "\(phase): the replay did not end")
            let state = try #require(p["state"] as? [String: Any], "\(phase)")
            let marks = try #require(state["marks"] as? [[String: Any]], "\(phase): \(state)")
            #expect(state["journal"] as? String == "loaded", "\(phase): \(state["journal"] ?? "-")")
            // One mark per journaled signal, on its candle, with its direction and outcome.
            #expect(marks.count == journal.count, "\(phase): \(marks.count) marks, journal \(journal.count)")
            for (m, j) in zip(marks, journal) {
                let time = try #require((j["time"] as? NSNumber)?.intValue)
                #expect(m["time"] as? Int == time, "\(phase)")
                #expect(m["candle"] as? Int == time - 5, "\(phase): the candle whose close is the signal's time")
                #expect(m["direction"] as? String == j["direction"] as? String, "\(phase) at \(time)")
                #expect(m["entry_price"] as? Double == j["entry_price"] as? Double, "\(phase) at \(time)")
                // the entry price is that candle's close in the chart
                #expect(m["candle_close"] as? Double == j["entry_price"] as? Double, "\(phase) at \(time)")
                #expect((m["won"] as? Bool) == (j["won"] as? Bool), "\(phase) at \(time)")
                #expect((m["won"] is NSNull) == (j["won"] is NSNull), "\(phase) at \(time)")
                #expect(m["exit_price"] as? Double == j["exit_price"] as? Double, "\(phase) at \(time)")
            }
            // The tally: the journal's counts and its Wilson interval, as `qflux signals` prints it.
            let tally = try #require(state["tally"] as? [String: Any])
            #expect(tally["signals"] as? Int == journal.count, "\(phase): \(tally)")
            #expect(tally["decided"] as? Int == decided.count, "\(phase): \(tally)")
            #expect(tally["won"] as? Int == wins, "\(phase): \(tally)")
            var expected = SignalTally()
            for d in decided { expected.add(won: d["won"] as! Bool, profit: 0) }
            let (low, high) = expected.wilson
            let text = try #require(state["text"] as? String)
            let pending = journal.count - decided.count
            let line =
                "signals \(journal.count)\(pending > 0 ? " (\(pending) pending)" : "") · won \(wins) · win rate "
                + String(
                    format: "%.1f %% (95 %% CI %.1f–%.1f %%)", expected.winRate * 100, low * 100, high * 100)
            #expect(text == line, "\(phase)")
            // Drawn: each visible mark sits on its candle, in its outcome's colour.
            let drawn = try #require(state["drawn"] as? [[String: Any]])
            #expect(drawn.count >= 10, "\(phase): \(drawn.count) marks drawn")
            let byTime = Dictionary(uniqueKeysWithValues: marks.map { ($0["time"] as! Int, $0) })
            var colours: Set<String> = []
            for d in drawn {
                let m = try #require(byTime[d["time"] as! Int])
                #expect(d["candle"] as? Int == m["candle"] as? Int)
                let colour = d["color"] as! String
                colours.insert(colour)
                let outcome = m["won"] as? Bool
                #expect(colour == (outcome == nil ? "#facc15" : outcome! ? "#16f08a" : "#ff4d8d"), "\(phase)")
            }
            let pixels = try #require(state["pixels"] as? [String: Int])
            for c in colours { #expect(pixels[c, default: 0] >= 20, "\(phase): \(c) \(pixels[c] ?? 0) pixels") }
            #expect(colours.isSuperset(of: ["#16f08a", "#ff4d8d"]), "\(phase): \(colours)")
            print(
                "page signals (\(phase)): \(text); \(drawn.count) drawn; live \(state["live"] ?? "-"); pixels \(pixels)"
            )
        }
        // Opened while the replay ran, the page got signals and results live; reloaded, none.
        let live = try #require((result["live"] as? [String: Any])?["state"] as? [String: Any])
        let liveCounts = try #require(live["live"] as? [String: Int])
        #expect(liveCounts["signals", default: 0] > 0 && liveCounts["results", default: 0] > 0, "\(liveCounts)")
        let reload = try #require((result["reload"] as? [String: Any])?["state"] as? [String: Any])
        #expect(reload["live"] as? [String: Int] == ["signals": 0, "results": 0])
        #expect(reload["subscriptions"] as? Int == 1)
        // Off: no marks drawn, no tally; on again: one subscription (the earlier one was dropped).
        let off = try #require(result["off"] as? [String: Any])
        #expect((off["marks"] as? [Any])?.isEmpty == true && (off["drawn"] as? [Any])?.isEmpty == true, "\(off)")
        #expect(off["text"] as? String == "")
        #expect(off["pixels"] as? [String: Int] == ["#facc15": 0, "#16f08a": 0, "#ff4d8d": 0], "\(off)")
        let again = try #require((result["again"] as? [String: Any])?["state"] as? [String: Any])
        #expect(again["subscriptions"] as? Int == 1)
        // The tooltip of a mark: its direction, entry, confidence and outcome.
        let tooltip = try #require(result["tooltip"] as? [String: Any])
        let title = try #require(tooltip["title"] as? String)
        let marked = try #require(journal.first { ($0["time"] as? NSNumber)?.intValue == tooltip["time"] as? Int })
        let call = marked["direction"] as? String == "call"
        #expect(title.hasPrefix(call ? "▲ call at " : "▼ put at "), "\(title)")
        // (a mark from the journal has no confidence: /api/signals does not carry it; a live one has)
        let shown = (again["marks"] as? [[String: Any]])?.first { $0["time"] as? Int == tooltip["time"] as? Int }
        #expect(title.contains(" · confidence ") == (shown?["confidence"] is Double), "\(title)")
        #expect(title.contains(marked["won"] as? Bool == true ? " · won (exit " : " · lost (exit "), "\(title)")
    }
}
