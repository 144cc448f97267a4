import Candles
import FastDecode
import Foundation
import Testing

@testable import Archive
@testable import ChromeCDP
@testable import Collect

/// `qflux collect` end to end: real headless Chromium shows a fake broker page whose favourites
/// bar and timeframe controls follow the broker's DOM (Scripts/fake_broker_collect.py); qflux
/// drives it over CDP with real mouse events; the broker answers each `changeSymbol` with a
/// history. The archive must hold exactly the closed candles the broker sent.
@Suite(
    "qflux collect with headless Chromium", .serialized,
    .enabled(if: Dependency.chromium, Dependency.needsChromium), .enabled(if: Dependency.python, Dependency.needsPython)
)
struct CollectTests {
    /// Broker, Chromium showing its page, a data directory.
    final class Setup {
        let broker: FakeCollectBroker
        let chromium: HeadlessChromium
        let cdpPort: Int
        let dir = TempDir()
        var data: String { dir.path + "/data" }

        init(variant: String = "links", dropFirst: [String] = [], mute: Bool = false, liveTicks: Bool = false) throws {
            broker = try FakeCollectBroker(dropFirst: dropFirst, mute: mute, liveTicks: liveTicks)
            cdpPort = freeLocalPort()
            chromium = try HeadlessChromium(
                binary: Dependency.chromiumPath ?? "chromium", debuggingPort: cdpPort,
                urls: [broker.pageURL(variant: variant)])
            let ready = waitUntil(25) {
                guard let list = try? TargetDiscovery.list(at: CDPAddress(host: "127.0.0.1", port: cdpPort)) else {
                    return false
                }
                return list.targets.contains { $0.type == "page" && $0.url.contains("pocketoption-collect") }
                    && broker.sockets() >= 1
            }
            if !ready { throw CollectTestError("Chromium did not show the page: \(chromium.child.log.suffix(800))") }
        }

        /// `qflux collect` against this page with short delays, plus `extra`.
        func collect(_ extra: [String], timeout: Double = 120) throws -> QfluxRun {
            guard let qflux = builtQflux() else { throw CollectTestError("no qflux binary") }
            return try runQflux(
                qflux,
                [
                    "collect", "--cdp", "127.0.0.1:\(cdpPort)", "--target", "pocketoption-collect",
                    "--data-dir", data, "--click-delay", "0.15", "--settle-delay", "0.3",
                    "--history-timeout", "3", "--candle-chunk-size", "25",
                ] + extra, timeout: timeout)
        }
    }

    @Test(
        "favourites ≥ 92 % (the bar scrolled) × H1 M15 M5 M1: the archive holds exactly the closed candles sent; a lost answer is retried; a second run adds nothing; a label unlike its asset name is matched through the page's changeSymbol"
    )
    func collectsFavouritesAboveThreshold() throws {
        let s = try Setup(dropFirst: ["EURUSD_otc:900"])
        let run = try s.collect([])
        #expect(run.status == 0, "collect failed: \(run.stderr.suffix(1500))")

        // Only favourites paying ≥ 92 % were clicked – two of them only after scrolling the bar – by real input events.
        let clicks = s.broker.favouriteClicks()
        #expect(
            Set(clicks.labels) == ["EUR/USD OTC", "AUD/CAD OTC", "EUR/GBP OTC", "NZD/USD OTC", "Apple OTC"],
            "\(clicks.labels)")
        #expect(clicks.allTrusted, "every click must be a real (trusted) input event")
        for low in ["GBP/USD OTC", "USD/JPY OTC", "CHF/JPY OTC"] { #expect(!clicks.labels.contains(low)) }

        // Each favourite click brings the history of the chart's timeframe then (M1 or M5, left by the
        // previous visit): that one needs no click.
        let early = run.stderr.split(separator: "\n").filter { $0.hasSuffix("(came with the favourite click)") }
        #expect(
            early.count == 5 && early.allSatisfy { $0.contains(" 1m: 39 candles") || $0.contains(" 5m: 39 candles") },
            "\(run.stderr.suffix(1500))")
        // The lost M15 answer for EUR/USD was asked for again.
        #expect(
            run.stderr.contains("EUR/USD OTC 15m: no 15m history within 3 s; clicking M15 again"),
            "\(run.stderr.suffix(1500))")

        // The archive holds exactly the closed candles the broker sent, once each.
        let sent = s.broker.closedCandlesSent()
        let archived = try archivedCandles(s.data)
        #expect(Set(sent.keys) == Set(archived.keys), "sent \(sent.keys.sorted()), archived \(archived.keys.sorted())")
        for asset in ["EURUSD_otc", "AUDCAD_otc", "EURGBP_otc", "NZDUSD_otc", "#AAPL_otc"] {
            for period in [3600, 900, 300, 60] {
                #expect(sent["\(asset)@\(period)"]?.count == 39, "\(asset)@\(period)")
            }
        }
        for (key, candles) in sent {
            let records = archived[key] ?? []
            #expect(
                records.count == candles.count, "\(key): \(records.count) records for \(candles.count) candles sent")
            let byStart = Dictionary(
                records.map { ($0.start, [$0.open, $0.high, $0.low, $0.close]) }, uniquingKeysWith: { a, _ in a })
            #expect(byStart == candles, "\(key): archived candles differ from those sent")
        }
        // One table row per asset × timeframe (5 × 4), each with 39 candles; Apple's broker name came from changeSymbol.
        let rows = run.stdout.split(separator: "\n").filter { $0.contains(" OTC ") }
        #expect(rows.count == 20, "\(run.stdout)")
        #expect(rows.allSatisfy { $0.contains(" 39 ") }, "\(run.stdout)")
        #expect(rows.filter { $0.hasPrefix("Apple OTC") && $0.contains("#AAPL_otc") }.count == 4, "\(run.stdout)")
        #expect(run.stdout.contains("20 of 20 asset × timeframe pairs collected"))

        // Again, for one asset: everything it receives is archived already.
        let again = try s.collect(["--assets", "eurusd", "--timeframes", "1h,1m"])
        #expect(again.status == 0, "\(again.stderr.suffix(800))")
        #expect(again.stdout.contains("; 0 candles archived in "), "\(again.stdout)")
        let after = try archivedCandles(s.data)
        #expect(after.mapValues(\.count) == archived.mapValues(\.count), "a second run must not repeat candles")

        // Coverage: every series complete, no gaps.
        guard let qflux = builtQflux() else { return }
        let coverage = try runQflux(qflux, ["ls", s.data, "--coverage", "--json"], timeout: 30)
        #expect(coverage.status == 0, "\(coverage.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(coverage.stdout.utf8)) as? [String: Any])
        let series = try #require(object["series"] as? [[String: Any]])
        #expect(series.count == sent.count)
        for entry in series {
            let key = "\(entry["asset"] as! String)@\(entry["timeframe_seconds"] as! Int)"
            #expect(entry["count"] as? Int == sent[key]?.count, "\(key)")
            #expect((entry["gaps"] as? [Any])?.isEmpty == true, "\(key)")
            #expect((entry["first"] as? NSNumber)?.int64Value == sent[key]?.keys.min())
            #expect((entry["last"] as? NSNumber)?.int64Value == sent[key]?.keys.max())
        }
    }

    @Test(
        "histories ending before the live ticks (a closed market): every candle sent is archived, the newest too, once the stream shows it closed"
    )
    func historyEndsBeforeLiveTicks() throws {
        let s = try Setup(liveTicks: true)
        let run = try s.collect(["--assets", "eurusd,audcad", "--timeframes", "1h,1m"])
        #expect(run.status == 0, "collect failed: \(run.stderr.suffix(1500))")
        let sent = s.broker.closedCandlesSent()
        let archived = try archivedCandles(s.data)
        // (the favourite click also brings the chart's timeframe then: M1 or M5)
        #expect(
            Set(sent.keys).isSuperset(of: ["EURUSD_otc@3600", "EURUSD_otc@60", "AUDCAD_otc@3600", "AUDCAD_otc@60"]),
            "\(sent.keys)")
        #expect(Set(archived.keys) == Set(sent.keys), "\(archived.keys)")
        for (key, candles) in sent {
            #expect(candles.count == 40, "\(key): the broker sent 40 closed candles")
            let records = archived[key] ?? []
            let byStart = Dictionary(
                records.map { ($0.start, [$0.open, $0.high, $0.low, $0.close]) }, uniquingKeysWith: { _, b in b })
            #expect(byStart == candles, "\(key): \(records.count) records archived for \(candles.count) candles sent")
            #expect(records.count == candles.count, "\(key): each candle once")
        }
    }

    @Test("timeframes behind a dropdown are reached by opening it; --assets picks by label regardless of payout")
    func dropdownVariant() throws {
        let s = try Setup(variant: "dropdown")
        let run = try s.collect(["--assets", "CHF/JPY", "--timeframes", "1h,5m"])
        #expect(run.status == 0, "collect failed: \(run.stderr.suffix(1500))")
        #expect(s.broker.favouriteClicks().labels == ["CHF/JPY OTC"])
        let clicks = s.broker.entries().filter { $0["type"] as? String == "click" }
        let dropdowns = clicks.filter { $0["what"] as? String == "dropdown" }.count
        let timeframes = clicks.filter { $0["what"] as? String == "timeframe" }.count
        #expect(
            timeframes >= 2 && dropdowns == timeframes,
            "the dropdown is opened before each timeframe click: \(dropdowns) for \(timeframes)")
        let sent = s.broker.closedCandlesSent()
        let archived = try archivedCandles(s.data)
        for key in ["CHFJPY_otc@3600", "CHFJPY_otc@300"] {
            let records = try #require(archived[key], "\(key) not archived: \(archived.keys.sorted())")
            let byStart = Dictionary(
                records.map { ($0.start, [$0.open, $0.high, $0.low, $0.close]) }, uniquingKeysWith: { a, _ in a })
            #expect(byStart == sent[key], "\(key)")
        }
    }

    @Test("a selector that matches nothing fails at once with one line naming it; --dry-run clicks no favourite")
    func missingSelectorAndDryRun() throws {
        let s = try Setup()
        let selectors = s.dir.path + "/selectors.json"
        try Data(#"{"timeframeContainers": ".no-such-timeframes"}"#.utf8).write(to: URL(fileURLWithPath: selectors))
        let started = Date()
        let run = try s.collect(["--selectors", selectors, "--assets", "eurusd"], timeout: 60)
        #expect(run.status == 1)
        #expect(Date().timeIntervalSince(started) < 30, "a missing control must not wait long")
        let lines = run.stderr.split(separator: "\n").filter {
            !$0.hasPrefix("qflux collect: attached") && !$0.hasPrefix("qflux collect: favourites")
        }
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.contains("'.no-such-timeframes'") == true, "\(run.stderr)")
        #expect(lines.first?.contains("timeframeContainers") == true, "\(run.stderr)")

        try Data(#"{"favouriteItem": ".no-such-favourites"}"#.utf8).write(to: URL(fileURLWithPath: selectors))
        let noBar = try s.collect(["--selectors", selectors], timeout: 60)
        #expect(noBar.status == 1)
        #expect(noBar.stderr.contains("favouriteItem '.no-such-favourites'"), "\(noBar.stderr)")

        try Data(#"{"favouriteItm": ".x"}"#.utf8).write(to: URL(fileURLWithPath: selectors))
        let typo = try s.collect(["--selectors", selectors], timeout: 60)
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("unknown key 'favouriteItm'"), "\(typo.stderr)")

        let before = s.broker.favouriteClicks().labels.count
        let archivedBefore = try archivedCandles(s.data).mapValues(\.count)
        let dry = try s.collect(["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stderr.contains("would click favourite 'NZD/USD OTC', then H1, M15, M5, M1"), "\(dry.stderr)")
        #expect(!dry.stderr.contains("would click favourite 'CHF/JPY OTC'"))
        #expect(s.broker.favouriteClicks().labels.count == before, "a dry run clicks no favourite")
        #expect(try archivedCandles(s.data).mapValues(\.count) == archivedBefore, "a dry run archives nothing")
    }

    @Test(
        "ls --coverage shows a gap where a chunk is missing; collect --fill-gaps re-visits only that pair and closes the gap"
    )
    func fillGaps() throws {
        let s = try Setup()
        let first = try s.collect(["--assets", "eurusd", "--timeframes", "1h", "--candle-chunk-size", "10"])
        #expect(first.status == 0, "\(first.stderr.suffix(800))")
        // Lose the second chunk of EURUSD_otc 1h: candles 11…20 of 39.
        let index = try ArchiveIndex.scan(directory: s.data)
        let hourly = try #require(index.series.first { $0.asset == "EURUSD_otc" && $0.timeframeSeconds == 3600 })
        try #require(hourly.chunks.count == 4, "\(hourly.chunks.map(\.path))")
        try FileManager.default.removeItem(atPath: hourly.chunks[1].path)

        guard let qflux = builtQflux() else { return }
        let gapped = try coverage(qflux, s.data)
        #expect(gapped["EURUSD_otc@3600"]?.count == 29)
        #expect(gapped["EURUSD_otc@3600"]?.gaps == [10], "\(gapped)")
        #expect(gapped["EURUSD_otc@60"]?.gaps == [], "the 1m history of the favourite click has no gap")
        let table = try runQflux(qflux, ["ls", s.data, "--coverage"], timeout: 30)
        #expect(table.stdout.contains("1 with gaps"), "\(table.stdout)")

        let clicksBefore = s.broker.entries().filter {
            $0["type"] as? String == "click" && $0["what"] as? String != "dropdown"
        }.count
        let fill = try s.collect(["--fill-gaps", "--assets", "eurusd,audcad", "--timeframes", "1h,1m"])
        #expect(fill.status == 0, "\(fill.stderr.suffix(800))")
        let rows = fill.stdout.split(separator: "\n").filter { $0.contains(" OTC ") }
        #expect(
            rows.count == 1 && rows.first?.contains("EUR/USD OTC") == true && rows.first?.contains(" 1h ") == true,
            "\(fill.stdout)")
        let clicks = s.broker.entries().filter { $0["type"] as? String == "click" }.dropFirst(clicksBefore)
        // EUR/USD, then H1 unless its history came with the favourite click (the chart was left on H1): nothing else.
        let clicked = clicks.map { "\($0["what"]!) \($0["label"]!)" }
        #expect(
            clicked.first == "favourite EUR/USD OTC" && clicked.dropFirst().allSatisfy { $0 == "timeframe H1" },
            "\(clicked)")
        let filled = try coverage(qflux, s.data)
        #expect(filled["EURUSD_otc@3600"]?.count == 39)
        #expect(filled["EURUSD_otc@3600"]?.gaps == [])
    }

    /// `qflux ls DIR --coverage --json` → count and gap sizes per "ASSET@SECONDS".
    private func coverage(_ qflux: String, _ dir: String) throws -> [String: (count: Int, gaps: [Int])] {
        let run = try runQflux(qflux, ["ls", dir, "--coverage", "--json"], timeout: 30)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
        var out: [String: (count: Int, gaps: [Int])] = [:]
        for entry in object["series"] as? [[String: Any]] ?? [] {
            let gaps = (entry["gaps"] as? [[String: Any]] ?? []).map { $0["missing"] as? Int ?? -1 }
            out["\(entry["asset"] as! String)@\(entry["timeframe_seconds"] as! Int)"] = (
                entry["count"] as? Int ?? -1, gaps
            )
        }
        return out
    }

    @Test("a broker that sends no history: each pair is tried twice and reported; exit 1 with one closing line")
    func nothingCollected() throws {
        let s = try Setup(mute: true)
        let run = try s.collect(["--assets", "eurusd,audcad", "--timeframes", "1h", "--history-timeout", "1"])
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n")
        #expect(
            lines.last == "qflux collect: nothing collected: no history came for any of 2 asset × timeframe pairs",
            "\(run.stderr)")
        #expect(lines.filter { $0.hasSuffix("no history – skipped") }.count == 2, "\(run.stderr)")
        let timeframeClicks = s.broker.entries().filter {
            $0["type"] as? String == "click" && $0["what"] as? String == "timeframe"
        }
        #expect(timeframeClicks.count == 4, "each pair is clicked twice")
        #expect(run.stdout.contains("no history within 1 s (twice)"), "\(run.stdout)")
        #expect(throws: ArchiveError.self, "nothing archived: no chunk at all") {
            try ArchiveIndex.scan(directory: s.data)
        }
    }

    @Test("Ctrl-C stops before the next click: the archive is closed, the table so far printed, exit 0")
    func interrupted() throws {
        let s = try Setup()
        guard let qflux = builtQflux() else { return }
        let child = try ChildProcess(
            qflux,
            [
                "collect", "--cdp", "127.0.0.1:\(s.cdpPort)", "--target", "pocketoption-collect",
                "--data-dir", s.data, "--click-delay", "0.5", "--settle-delay", "0.3", "--history-timeout", "3",
            ])
        try #require(waitUntil(30) { child.log.contains("EUR/USD OTC 1h: 39 candles") }, "\(child.log.suffix(800))")
        kill(child.pid, SIGINT)
        #expect(child.wait(timeout: 20), "collect did not stop on SIGINT")
        #expect(child.process.terminationStatus == 0, "\(child.log.suffix(800))")
        #expect(
            child.log.contains("qflux collect: stopped by SIGINT before the end of the plan"),
            "\(child.log.suffix(800))")
        #expect(!child.log.contains("NZD/USD OTC 1h"), "it must stop before the last favourite")
        let index = try ArchiveIndex.scan(directory: s.data)
        #expect(index.series.allSatisfy { $0.openChunks == 0 }, "every chunk closed")
        #expect(index.series.contains { $0.asset == "EURUSD_otc" && $0.timeframeSeconds == 3600 && $0.records == 39 })
    }

    @Test("an element covered by something else (a banner) is not clicked blindly: one line naming what covers it")
    func coveredElement() throws {
        let s = try Setup(variant: "overlay")
        let run = try s.collect(["--assets", "eurusd"], timeout: 60)
        #expect(run.status == 1)
        let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("qflux collect: cannot click "), "\(run.stderr)")
        #expect(last.contains("div.cookie-banner covers it"), "\(run.stderr)")
        #expect(s.broker.favouriteClicks().labels.isEmpty, "nothing may be clicked through the banner")
    }

    @Test(
        "beside a qflux stream holding the data directory: collect says so, still drives the page, writes nothing itself"
    )
    func besideARunningStream() throws {
        let s = try Setup()
        guard let qflux = builtQflux() else { return }
        let stream = try ChildProcess(
            qflux,
            [
                "stream", "--demo", "--demo-seed", "3", "--collect-stream", "candle",
                "--data-dir", s.data, "--port", "0",
            ])
        try #require(waitUntil(20) { stream.log.contains("archiving candle to") }, "\(stream.log.suffix(600))")
        let run = try s.collect(["--assets", "nzd", "--timeframes", "1h"])
        #expect(run.status == 0, "\(run.stderr.suffix(800))")
        #expect(run.stderr.contains("in use by another qflux writer (pid \(stream.pid))"), "\(run.stderr)")
        #expect(run.stdout.contains("archived by the process holding"), "\(run.stdout)")
        #expect(s.broker.favouriteClicks().labels == ["NZD/USD OTC"])
        let archived = try archivedCandles(s.data)
        #expect(archived["NZDUSD_otc@3600"] == nil, "collect must not write beside the lock holder")
        stream.kill()
    }

    /// The page is not trusted: labels with terminal escapes and a bidi override, a broker name
    /// with one, a favourite reported at x = 1e300. Before, the escapes went raw to the terminal
    /// and the 1e300 position trapped converting to Int (the process died of SIGILL).
    @Test(
        "a hostile page: labels with ESC ]0;… BEL, ESC [2J and a bidi override print sanitised; a favourite at x = 1e300 is one clear error"
    )
    func hostilePage() throws {
        let s = try Setup(variant: "hostile")
        let run = try s.collect(["--assets", "eurusd,gbpusd,audcad", "--timeframes", "1m"])
        #expect(run.status == 1, "exit \(run.status): \(run.stderr.suffix(1500))")
        let printed = run.stdout + run.stderr
        for unsafe in ["\u{1B}", "\u{07}", "\u{202E}"] {
            #expect(
                !printed.contains(unsafe),
                "\(unsafe.unicodeScalars.first!.value) printed: \(printed.debugDescription.suffix(1500))")
        }
        #expect(run.stderr.contains("?]0;pwned?EUR/USD OTC 1m: 39 candles"), "\(run.stderr.suffix(1500))")
        #expect(run.stderr.contains("?[2JGBP/USD OTC 1m: 39 candles"), "\(run.stderr.suffix(1500))")
        let last = run.stderr.split(separator: "\n").last ?? ""
        #expect(
            last.hasPrefix(
                "qflux collect: cannot click the favourite '?AUD/CAD OTC': the page reports it at an impossible position"
            ),
            "\(run.stderr.suffix(1500))")
        // Every history the page received held a candle dated 2099 and one priced 1e308: counted, reported, skipped.
        #expect(
            run.stderr.range(
                of:
                    #"the broker's frames held [1-9][0-9]* malformed values \([1-9][0-9]* times or prices out of range\), skipped"#,
                options: .regularExpression) != nil, "\(run.stderr.suffix(1500))")
        // Both sane visits were archived (39 closed candles each, none of the absurd ones); the
        // broker name with ESC [2J as the archive writer escapes it.
        let archived = try archivedCandles(s.data)
        #expect(archived["EURUSD_otc@60"]?.count == 39, "\(archived.keys.sorted())")
        #expect(archived["GBPUSD\u{1B}[2J_otc@60"]?.count == 39, "\(archived.keys.sorted())")
    }
}

/// Coverage arithmetic without a browser.
@Suite("Archive coverage")
struct ArchiveCoverageTests {
    @Test("gaps are the runs of missing starts between the first and the last candle")
    func gaps() {
        let starts: Set<Int64> = [600, 660, 720, 900, 960, 1140]
        let s = ArchiveCoverage.series(asset: "X", timeframeSeconds: 60, starts: starts)
        #expect(s.first == 600 && s.last == 1140 && s.count == 6)
        #expect(s.gaps == [.init(from: 780, to: 840, missing: 2), .init(from: 1020, to: 1080, missing: 2)])
        #expect(s.missing == 4)
        #expect(ArchiveCoverage.series(asset: "X", timeframeSeconds: 60, starts: [60, 120]).gaps.isEmpty)
    }

    @Test("selection: payout threshold, --assets by label or broker name")
    func selection() {
        let favourites = [
            Favourite(label: "EUR/USD OTC", payout: 92), Favourite(label: "GBP/USD OTC", payout: 85),
            Favourite(label: "Apple OTC", payout: nil),
        ]
        #expect(CollectPlan.select(favourites, assets: [], minPayout: 92).map(\.label) == ["EUR/USD OTC"])
        #expect(CollectPlan.select(favourites, assets: ["GBPUSD_otc"], minPayout: 92).map(\.label) == ["GBP/USD OTC"])
        #expect(CollectPlan.select(favourites, assets: ["apple"], minPayout: 92).map(\.label) == ["Apple OTC"])
        #expect(Favourite.parsePayout("+92%") == 92)
        #expect(CollectPlan.sameAsset("EURUSD_otc", label: "EUR/USD OTC"))
        #expect(CollectPlan.stack("5m")?.map(\.description) == ["4h", "1h", "15m", "5m"])
    }
}

/// The selectors file without a browser.
@Suite("Collect selectors file")
struct CollectSelectorsTests {
    @Test(
        "--print-selectors output loads back as the defaults; a partial file overrides only its keys and merges labels")
    func roundTripAndOverride() throws {
        let dir = TempDir()
        let path = dir.path + "/s.json"
        try Data(CollectSelectors.defaultsJSON.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try CollectSelectors.load(path: path) == CollectSelectors())

        try Data(#"{"favouriteItem": ".fav", "timeframeLabels": {"1h": "1H"}}"#.utf8).write(
            to: URL(fileURLWithPath: path))
        let s = try CollectSelectors.load(path: path)
        #expect(s.favouriteItem == ".fav")
        #expect(s.favouriteLabel == CollectSelectors().favouriteLabel)
        #expect(s.timeframeLabels["1h"] == "1H" && s.timeframeLabels["5m"] == "M5")

        try Data(#"{"favouriteItem": 3}"#.utf8).write(to: URL(fileURLWithPath: path))
        let wrongType = #expect(throws: CollectError.self) { try CollectSelectors.load(path: path) }
        #expect(wrongType?.message.contains("favouriteItem") == true, "\(String(describing: wrongType))")
        let missing = #expect(throws: CollectError.self) { try CollectSelectors.load(path: dir.path + "/missing.json") }
        #expect(missing?.message == "cannot read the selectors file \(dir.path)/missing.json")
    }
}

/// What the collector reads from DevTools events, without a browser.
@Suite("Collect history watch")
struct HistoryWatchTests {
    /// `line` as the reader thread hands it over.
    private func feed(_ watch: HistoryWatch, _ line: String) {
        Array(line.utf8).withUnsafeBytes { watch.handle($0) }
    }

    @Test("the page's changeSymbol names the asset; a received history is kept and its forming candle is not archived")
    func changeSymbolAndHistory() throws {
        let watch = try HistoryWatch()
        let sent =
            #"{"method":"Network.webSocketFrameSent","params":{"requestId":"1.1","timestamp":1.0,"response":{"opcode":1,"mask":true,"payloadData":"42[\"changeSymbol\",{\"asset\":\"EURUSD_otc\",\"period\":300}]"}}}"#
        feed(watch, sent)
        #expect(watch.changeSymbol.asset == "EURUSD_otc" && watch.changeSymbol.count == 1)
        #expect(watch.mark == 0, "a sent frame is no history")

        let payload =
            #"42[\"updateHistoryNewFast\",{\"asset\":\"EURUSD_otc\",\"period\":300,\"history\":[],\"candles\":[[1764000600,1.2,1.3,1.4,1.1],[1764000300,1.1,1.2,1.25,1.05]]}]"#
        feed(
            watch,
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":2.0,"response":{"opcode":1,"mask":false,"payloadData":""#
                + payload + #""}}}"#)
        let histories = watch.take()
        #expect(histories.count == 1 && watch.mark == 1)
        let h = try #require(histories.first)
        #expect(h.asset == "EURUSD_otc" && h.snapshot.period == 300)
        let candles = HistoryArchiver.candles(of: h.snapshot)
        #expect(candles.map(\.start) == [1_764_000_300], "the newest (forming) candle is left out")
        #expect(
            candles.first?.open == 1.1 && candles.first?.close == 1.2 && candles.first?.high == 1.25
                && candles.first?.low == 1.05)
        #expect(watch.take().isEmpty)
    }

    /// A received history frame of `asset` with two candles.
    private func history(_ asset: String, _ start: Int) -> String {
        let payload =
            #"42[\"updateHistoryNewFast\",{\"asset\":\""# + asset
            + #"\",\"period\":300,\"history\":[],\"candles\":[["# + "\(start + 300)"
            + #",1.2,1.3,1.4,1.1],["# + "\(start)" + #",1.1,1.2,1.25,1.05]]}]"#
        return
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":2.0,"response":{"opcode":1,"mask":false,"payloadData":""#
            + payload + #""}}}"#
    }

    @Test("between two looks at most maxPendingPoints history points wait: the oldest are dropped and counted")
    func pendingHistoriesAreBounded() throws {
        let watch = try HistoryWatch(maxPendingPoints: 5)
        for (i, asset) in ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"].enumerated() {
            feed(watch, history(asset, 1_764_000_000 + 600 * i))
        }
        let kept = watch.take()
        #expect(kept.map(\.asset) == ["GBPUSD_otc", "AUDCAD_otc"], "2 + 2 points fit, 6 do not")
        #expect(kept.map(\.sequence) == [2, 3] && watch.mark == 3)
        #expect(watch.dropped.histories == 1 && watch.dropped.closedCandles == 0)
        // a look empties the wait: the next three again keep the newest two
        for asset in ["EURUSD_otc", "GBPUSD_otc", "AUDCAD_otc"] { feed(watch, history(asset, 1_764_100_000)) }
        #expect(watch.take().count == 2 && watch.dropped.histories == 2)
        // one history over the bound alone is still kept (the newest always is)
        let tight = try HistoryWatch(maxPendingPoints: 1)
        feed(tight, history("EURUSD_otc", 1_764_000_000))
        #expect(tight.take().count == 1 && tight.dropped.histories == 0)
    }

    @Test("absurd candles in a history (dated 2099, priced 1e308) are counted as skipped; the rest is kept")
    func absurdHistoryCandlesAreCounted() throws {
        let watch = try HistoryWatch()
        let payload =
            #"42[\"updateHistoryNewFast\",{\"asset\":\"EURUSD_otc\",\"period\":300,\"history\":[],\"candles\":[[4070908800,1.2,1.3,1.4,1.1],[1764000600,1.2,1.3,1e308,1.1],[1764000300,1.1,1.2,1.25,1.05]]}]"#
        feed(
            watch,
            #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":2.0,"response":{"opcode":1,"mask":false,"payloadData":""#
                + payload + #""}}}"#)
        #expect(watch.skipped.malformed == 2 && watch.skipped.absurdValues == 2)
        let h = try #require(watch.take().first)
        #expect(h.snapshot.candles.map(\.time) == [1_764_000_300])
    }
}

/// Page text made safe to print, without a browser.
@Suite("Collect page text")
struct PageTextTests {
    @Test("control characters, C1 controls and bidi controls become '?'; length is bounded; plain text is kept")
    func clean() {
        #expect(PageText.clean("\u{1B}]0;pwned\u{07}EUR/USD OTC") == "?]0;pwned?EUR/USD OTC")
        #expect(PageText.clean("\u{1B}[2J") == "?[2J")
        #expect(PageText.clean("\u{9B}2J\u{202E}CTO DSU/RUE\u{2066}x\u{200F}") == "?2J?CTO DSU/RUE?x?")
        #expect(PageText.clean("EUR/USD OTC") == "EUR/USD OTC")
        #expect(PageText.clean("Ünïcode 株式 ✓") == "Ünïcode 株式 ✓")
        #expect(PageText.clean(String(repeating: "A", count: 10_000)).unicodeScalars.count == PageText.maxScalars)
        #expect(PageText.printable("line \u{1B}[31mred\u{1B}[0m") == "line ?[31mred?[0m")
        #expect(
            CollectError("no favourite labelled '\u{1B}]0;x\u{07}'").description == "no favourite labelled '?]0;x?'")
    }

    @Test("the page script cleans labels with the same rule (what it reads matches what it looks for)")
    func scriptCleansTheSameWay() {
        #expect(PageScripts.prelude.contains("qfClean"))
        #expect(PageScripts.prelude.contains(".slice(0, \(PageText.maxScalars))"))
    }
}
