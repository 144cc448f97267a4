import Foundation
import Testing

/// `qflux indicators` and `qflux backtest` as users run them: the built binary on an archive written
/// by a replay of the fixtures and on a candle CSV.
@Suite("qflux indicators and backtest")
struct AnalysisCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FastDecodeTests/Fixtures")

    static func qflux(_ args: [String], timeout: Double = 120) throws -> ScriptRun {
        guard let binary = qfluxBinaryPath() else {
            throw CLITests.CLIError(message: "qflux binary not found: build it first (swift build --build-tests)")
        }
        return try runProcess(binary, args, timeout: timeout)
    }

    /// A fresh scratch directory, removed by the caller.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qflux-analysis-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An archive of the 003350 capture's ticks (EURGBP_otc and a few other assets) and 5 s candles.
    static func replayArchive(_ dir: URL) throws -> String {
        let data = dir.appendingPathComponent("data").path
        let file = fixtures.appendingPathComponent("pocketoption-20250903_003350.cdp.jsonl").path
        let run = try qflux([
            "replay", file, "--collect-stream", "both", "--timeframes", "5s", "--data-dir", data, "-q",
        ])
        #expect(run.status == 0, "replay: \(run.stderr)")
        return data
    }

    /// A candle CSV in the original tool's columns: a 5-decimal random walk with swings (so
    /// quantum_flux trades) and some equal closes.
    static func writeCSV(_ dir: URL, count: Int = 1500) throws -> String {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "timestamp,open,close,high,low\n"
        var close = 1.1
        for i in 0..<count {
            let open = close
            let swing = sin(Double(i) / 40) * 0.0004
            close = ((open + swing + (next() - 0.5) * 0.0012) * 100_000).rounded() / 100_000
            let high = max(open, close) + (next() * 20).rounded() / 100_000
            let low = min(open, close) - (next() * 20).rounded() / 100_000
            let t = Date(timeIntervalSince1970: 1_756_000_000 + Double(i) * 60)
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            f.timeZone = TimeZone(identifier: "UTC")
            f.locale = Locale(identifier: "en_US_POSIX")
            text += "\(f.string(from: t)),\(open),\(close),\(high),\(low)\n"
        }
        let path = dir.appendingPathComponent("candles.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test(
        "indicators on a replayed archive: ticks resampled to 1 s candles, one JSON line per candle, null before the lookback"
    )
    func indicatorsOnArchive() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.replayArchive(dir)
        let run = try Self.qflux([
            "indicators", data, "--asset", "eurgbp otc", "--timeframe", "1s", "--indicators",
            "sma(5),rsi(14),macd(12,26,9),bbands(20,2)",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = Self.jsonLines(run.stdout)
        #expect(rows.count > 40, "\(rows.count) rows")
        let columns = [
            "timestamp", "sma_5", "rsi_14", "macd_12_26_9", "macd_12_26_9_signal", "macd_12_26_9_hist",
            "bbands_20_2_upper", "bbands_20_2_middle", "bbands_20_2_lower",
        ]
        for row in rows { #expect(Set(row.keys) == Set(columns)) }
        // The header order is the spec's.
        let first = try #require(run.stdout.split(separator: "\n").first)
        #expect(first.hasPrefix("{\"timestamp\":"))
        #expect(first.contains("\"sma_5\":null,\"rsi_14\":null"))
        #expect(rows[3]["sma_5"] is NSNull)
        #expect(rows[4]["sma_5"] is Double)
        #expect(rows[13]["rsi_14"] is NSNull)
        #expect(rows[14]["rsi_14"] is Double)
        #expect(rows[32]["macd_12_26_9_signal"] is NSNull)
        #expect(rows[33]["macd_12_26_9_signal"] is Double)
        let times = rows.compactMap { $0["timestamp"] as? Double }
        #expect(times == times.sorted() && Set(times).count == times.count)
        #expect(times.allSatisfy { $0 == $0.rounded() })

        // Stored 5 s candles, CSV output.
        let csv = try Self.qflux([
            "indicators", data, "--asset", "EURGBP_otc", "--timeframe", "5s", "--indicators", "sma(3)", "--format",
            "csv",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "timestamp,sma_3")
        #expect(lines.count > 10)
        #expect(lines[1].hasSuffix(","))  // empty before the lookback
        #expect(!lines[3].hasSuffix(","))

        // Several assets without --asset: one clear line.
        let several = try Self.qflux(["indicators", data, "--timeframe", "1s", "--indicators", "rsi"])
        #expect(several.status == 1)
        #expect(several.stderr.hasPrefix("qflux indicators: "))
        #expect(several.stderr.contains("choose one with --asset"))
        #expect(several.stderr.split(separator: "\n").count == 1, "\(several.stderr)")
    }

    @Test("indicators on a CSV file: csv output with the documented columns, empty cells before the lookback")
    func indicatorsOnCSV() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir, count: 300)
        let out = dir.appendingPathComponent("out.csv").path
        let run = try Self.qflux([
            "indicators", csvPath, "--indicators", "rsi(14),stoch(14,3,3),atr", "--format", "csv", "--output", out,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        ).dropLast()
        #expect(lines.first == "timestamp,rsi_14,stoch_14_3_3_k,stoch_14_3_3_d,atr_14")
        #expect(lines.count == 301)
        #expect(lines[1] == "1756000000,,,,")
        let cells = lines[20].split(separator: ",", omittingEmptySubsequences: false)
        #expect(cells.count == 5 && cells.allSatisfy { Double($0) != nil })
    }

    @Test("bad input is one clear line on stderr and a non-zero exit")
    func badInput() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir, count: 100)
        let cases: [([String], Int32, String)] = [
            (
                ["indicators", "/nonexistent.csv", "--indicators", "rsi"], 1,
                "qflux indicators: /nonexistent.csv: no such file or directory"
            ),
            (
                ["indicators", csvPath, "--indicators", "rsi(14),foo(3)"], 64,
                "qflux indicators: --indicators: unknown indicator \"foo\""
            ),
            (["indicators", csvPath, "--indicators", "rsi(14"], 64, "qflux indicators: --indicators: missing ')'"),
            (["backtest", csvPath, "--strategy", "nope"], 64, "qflux backtest: Unknown strategy: nope"),
            (
                ["backtest", csvPath, "--sweep", "rsi.period=9..3", "--strategy", "quantum_flux_ta"], 64,
                "qflux backtest: --sweep: sweep rsi.period: range end"
            ),
            (["backtest", csvPath, "--payout=-1"], 64, "qflux backtest: payout must be"),
            (["backtest", csvPath, "--strategy", "quantum_flux_ta", "--param", "rsi.nope=3"], 64, "qflux backtest: "),
        ]
        for (args, status, prefix) in cases {
            let run = try Self.qflux(args)
            #expect(run.status == status, "\(args): \(run.stderr)")
            #expect(run.stderr.hasPrefix(prefix), "\(args): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(args): \(run.stderr)")
        }
        let empty = dir.appendingPathComponent("empty.csv").path
        try "timestamp,open,close,high,low\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let none = try Self.qflux(["backtest", empty])
        #expect(none.status == 1)
        #expect(none.stderr == "qflux backtest: \(empty): no candles\n")
        let broken = dir.appendingPathComponent("broken.csv").path
        try "timestamp,open,close,high,low\n2025-09-03 00:00:00,1,1,1,x\n".write(
            toFile: broken, atomically: true, encoding: .utf8)
        let bad = try Self.qflux(["indicators", broken, "--indicators", "rsi"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 2"), "\(bad.stderr)")
    }

    @Test("rules errors name the file, line and column; exit status 1")
    func rulesErrors() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir, count: 200)
        let rules = dir.appendingPathComponent("my.rules").path
        try "# oversold\ncall: rsi(14) < < 30\nput: rsi(14) > 70\n".write(
            toFile: rules, atomically: true, encoding: .utf8)
        let run = try Self.qflux(["backtest", csvPath, "--rules", rules])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("qflux backtest: \(rules): line 2, column 17: expected"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
        let inline = try Self.qflux(["backtest", csvPath, "--rules", "call: foo(3) > 1"])
        #expect(inline.status == 1)
        #expect(inline.stderr.hasPrefix("qflux backtest: --rules: line 1, column"), "\(inline.stderr)")
        #expect(inline.stderr.contains("foo"))
        let missing = try Self.qflux(["backtest", csvPath, "--rules", "nothere.rules"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nothere.rules: no such file"))

        // A good rules file trades.
        try "param lo = 35\ncall: rsi(14) < $lo\nput: rsi(14) > 65\n".write(
            toFile: rules, atomically: true, encoding: .utf8)
        let ok = try Self.qflux(["backtest", csvPath, "--rules", rules, "--param", "lo=40", "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect((result["strategy"] as? String) == "rules")
        #expect(((result["trades"] as? [Any])?.count ?? 0) > 0)
    }

    @Test("backtest --json has the original's shape; --report is a self-contained page; --trades a CSV")
    func backtestJSONReportTrades() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir)
        let report = dir.appendingPathComponent("report.html").path
        let trades = dir.appendingPathComponent("trades.csv").path
        let run = try Self.qflux([
            "backtest", csvPath, "--strategy", "quantum_flux", "--json", "--report", report, "--trades", trades,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(result.keys) == ["trades", "equity_curve", "statistics", "strategy", "extended"])
        let list = try #require(result["trades"] as? [[String: Any]])
        #expect(list.count > 5, "quantum_flux made \(list.count) trades")
        for t in list {
            #expect(Set(t.keys) == ["timestamp", "signal", "entry_price", "exit_price", "won", "profit", "balance"])
        }
        let stats = try #require(result["statistics"] as? [String: Any])
        #expect(
            Set(stats.keys) == [
                "total_trades", "wins", "losses", "win_rate", "starting_balance", "ending_balance", "total_profit",
                "profit_percentage",
            ])
        #expect(stats["total_trades"] as? Int == list.count)
        #expect(stats["starting_balance"] as? Double == 10000)
        #expect(run.stdout.contains("\"starting_balance\":10000.0"))
        #expect((result["equity_curve"] as? [Any])?.count == list.count)
        let extended = try #require(result["extended"] as? [String: Any])
        for key in ["max_drawdown", "profit_factor", "sqn", "break_even_win_rate", "win_rate_ci95"] {
            #expect(extended[key] != nil, "\(key)")
        }

        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("aria-label=\"equity curve\"") && html.contains("<polyline"))
        for outside in ["src=", "href=", "@import", "url(", "<script src", "<link"] {
            #expect(!html.contains(outside), "report loads \(outside)")
        }
        let csv = try String(contentsOfFile: trades, encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "timestamp,time,signal,entry_price,exit_price,won,profit,balance")
        #expect(csv.count == list.count + 1)
    }

    @Test("backtest on a replayed archive prints the original's and the extended statistics as a table")
    func backtestOnArchive() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.replayArchive(dir)
        let run = try Self.qflux([
            "backtest", data, "--asset", "EURGBP_otc", "--timeframe", "1s", "--strategy", "quantum_flux_ta", "--window",
            "30",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        for word in [
            "quantum_flux_ta on \(data) (EURGBP_otc, 1s)", "Original statistics", "total_trades", "ending_balance",
            "profit_percentage", "Extended statistics", "Max drawdown", "Break-even win rate", "55.56 %", "SQN",
        ] {
            #expect(run.stdout.contains(word), "missing \(word)")
        }
        // Aligned: every statistics line has its value in the same column.
        let rows = run.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }
        let columns = Set(
            rows.map { line -> Int in
                let chars = Array(line)
                var i = 2
                while i < chars.count, chars[i] != " " || (i + 1 < chars.count && chars[i + 1] != " ") { i += 1 }
                while i < chars.count, chars[i] == " " { i += 1 }
                return i
            })
        #expect(rows.count >= 20)
        #expect(columns.count == 1, "values start in columns \(columns)")
    }

    @Test("a sweep's rows are sorted best first, as a table and as JSON")
    func sweepSorted() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir)
        let run = try Self.qflux([
            "backtest", csvPath, "--strategy", "quantum_flux_ta", "--sweep", "rsi.period=7..12", "--sweep",
            "bbands.k=1.5,2", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(doc["metric"] as? String == "ending_balance")
        #expect(doc["parameters"] as? [String] == ["rsi.period", "bbands.k"])
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.count == 12)
        #expect(results.map { $0["rank"] as? Int } == (1...12).map { $0 })
        let balances = results.map { ($0["statistics"] as? [String: Any])?["ending_balance"] as? Double ?? .nan }
        #expect(balances == balances.sorted(by: >))
        #expect(run.stderr.contains("sweep 100%"))  // not a terminal: plain percentage lines

        let table = try Self.qflux([
            "backtest", csvPath, "--rules", "param lo = 30\ncall: rsi(14) < $lo; put: rsi(14) > 100 - $lo",
            "--sweep", "lo=20..40:5", "--sort", "max_drawdown", "-q",
        ])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stderr.isEmpty)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.split(separator: " ").first == "rank")
        let header = lines[0].split(separator: " ").map(String.init)
        let dd = try #require(header.firstIndex(of: "max_dd_%"))
        let values = lines.dropFirst().map { Double($0.split(separator: " ")[dd]) ?? .nan }
        #expect(values.count == 5)
        #expect(values == values.sorted())
    }

    @Test("--help explains every option, with examples")
    func help() throws {
        let indicators = try Self.qflux(["indicators", "--help"])
        #expect(indicators.status == 0)
        for word in [
            "--asset", "--timeframe", "--indicators", "--format", "--output", "rsi_14", "macd_12_26_9_signal",
            "Examples:", "Exit status",
        ] {
            #expect(indicators.stdout.contains(word), "indicators --help lacks \(word)")
        }
        let backtest = try Self.qflux(["backtest", "--help"])
        #expect(backtest.status == 0)
        for word in [
            "--strategy", "--rules", "--param", "--payout", "--stake", "--stake-fixed", "--expiry", "--window",
            "--ties",
            "--balance", "--json", "--report", "--trades", "--sweep", "--sort", "quantum_flux_ta", "crosses_above",
            "Examples:",
        ] {
            #expect(backtest.stdout.contains(word), "backtest --help lacks \(word)")
        }
        #expect(
            backtest.stdout.split(separator: "\n").allSatisfy {
                $0.count <= 80 || $0.hasPrefix("USAGE:") || $0.contains("entry_price")
            })
    }

    @Test(
        "the HTML report opened in headless Chromium renders its equity chart",
        .enabled(if: Dependency.chromium, Dependency.needsChromium),
        .enabled(if: Dependency.executable("python3") != nil, "needs python3 (reads the screenshot's pixels)"))
    func reportInChromium() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csvPath = try Self.writeCSV(dir)
        let report = dir.appendingPathComponent("report.html").path
        let run = try Self.qflux(["backtest", csvPath, "--report", report, "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        let chromium = try #require(Dependency.chromiumPath)
        let common = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--window-size=1000,700",
        ]
        // The DOM Chromium built: the equity polyline with its points.
        let dom = try runProcess(chromium, common + ["--dump-dom", "file://\(report)"], timeout: 120)
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        let svg = try #require(dom.stdout.range(of: "aria-label=\"equity curve\"")).upperBound
        let polyline = try #require(dom.stdout.range(of: "<polyline", range: svg..<dom.stdout.endIndex))
        let attribute = try #require(
            dom.stdout.range(of: "points=\"", range: polyline.upperBound..<dom.stdout.endIndex))
        let points = dom.stdout[attribute.upperBound...].prefix { $0 != "\"" }
        #expect(
            points.split(separator: " ").count > 5, "equity polyline has \(points.split(separator: " ").count) points")
        // The pixels: the equity line's blue (#2f6fde) is drawn.
        let png = dir.appendingPathComponent("shot.png").path
        let shot = try runProcess(chromium, common + ["--screenshot=\(png)", "file://\(report)"], timeout: 120)
        #expect(shot.status == 0, "\(shot.stderr.suffix(500))")
        let count = try runProcess("/usr/bin/env", ["python3", "-c", Self.countBluePixels, png], timeout: 60)
        #expect(count.status == 0, "\(count.stderr)")
        let blue = Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(blue > 200, "\(blue) pixels of the equity line's colour in the screenshot")
    }

    /// Test (issue 28, defect 12): rules files that overflowed `qflux backtest`'s stack (SIGSEGV) –
    /// 10,000 nested '(' , 100 k 'not', 100 k unary '-', a 100 k-term '+' or 'and' chain – exit 1
    /// with one line naming the file, line and column.
    @Test("rules files nested or chained past the limits exit 1 with file, line and column")
    func hostileRules() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try Self.writeCSV(dir, count: 100)
        let attacks: [(String, String, String)] = [
            (
                "parens",
                "call: " + String(repeating: "(", count: 10_000) + "close > 1" + String(repeating: ")", count: 10_000),
                "line 1, column 71: expression nested too deep"
            ),
            (
                "not", "# many\ncall: " + String(repeating: "not ", count: 100_000) + "close > 1",
                "line 2, column 263: expression nested too deep"
            ),
            (
                "minus", "put: close > " + String(repeating: "-", count: 100_000) + "1",
                "line 1, column 78: expression nested too deep"
            ),
            (
                "plus", "call: close > 1" + String(repeating: "+1", count: 100_000),
                "line 1, column 270: expression too deep"
            ),
            ("and", "put: 1<2" + String(repeating: " and 1<2", count: 100_000), "line 1, column "),
        ]
        for (name, text, expected) in attacks {
            let path = dir.appendingPathComponent("\(name).rules").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try Self.qflux(["backtest", csv, "--rules", path])
            #expect(run.status == 1, "\(name): \(run.status) \(run.stderr.prefix(300))")
            #expect(run.stderr.hasPrefix("qflux backtest: \(path): \(expected)"), "\(name): \(run.stderr.prefix(300))")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(name): \(run.stderr.prefix(300))")
        }
    }

    /// Test: four sweeps of 100,000 values each (10^20 combinations, past Int.max) are refused
    /// with one line, exit 64 (the count's Int conversion trapped).
    @Test("a sweep of 10^20 combinations is refused with one line")
    func hugeSweep() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try Self.writeCSV(dir, count: 60)
        let sweeps = ["rsi.period", "rsi.low", "rsi.high", "threshold"].flatMap { ["--sweep", "\($0)=1..100000"] }
        let run = try Self.qflux(["backtest", csv, "--strategy", "quantum_flux_ta"] + sweeps)
        #expect(run.status == 64, "\(run.status) \(run.stderr.prefix(300))")
        #expect(
            run.stderr == "qflux backtest: --sweep: 1e+20 combinations is too many (at most 1000000)\n", "\(run.stderr)"
        )
    }

    /// Test (issue 28, defects 2 and 3): `qflux indicators` refuses more indicators than its
    /// budget allows (exit 64, one line naming the cap) before reading anything, and a run over
    /// its work budget (exit 1) before computing anything; a CSV row with an absurd value is
    /// refused with its line (exit 1).
    @Test("indicators: too many instances exit 64 naming the cap; an absurd CSV value exits 1 naming its line")
    func indicatorLimits() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try Self.writeCSV(dir, count: 200)
        // Distinct specs (a repeated spec is one column).
        let many = (0..<300).map { "willr(\(100_000 - $0))" }.joined(separator: ",")
        let run = try Self.qflux(["indicators", csv, "--indicators", many])
        #expect(run.status == 64, "\(run.status) \(run.stderr.prefix(300))")
        #expect(
            run.stderr
                == "qflux indicators: --indicators: 300 indicator instances, more than the 256 allowed per request\n",
            "\(run.stderr)")
        let at256 = try Self.qflux([
            "indicators", csv, "--indicators", (0..<256).map { "willr(\(100_000 - $0))" }.joined(separator: ","),
        ])
        #expect(at256.status == 0, "\(at256.stderr.prefix(300))")

        // 256 × cci(~2,500) over 5,000 candles: ~3.2 G O(period) updates (minutes of work),
        // refused before any is made.
        let longDir = dir.appendingPathComponent("long")
        try FileManager.default.createDirectory(at: longDir, withIntermediateDirectories: true)
        let long = try Self.writeCSV(longDir, count: 5_000)
        let work = try Self.qflux([
            "indicators", long, "--indicators", (0..<256).map { "cci(\(2_500 + $0))" }.joined(separator: ","),
        ])
        #expect(work.status == 1, "\(work.status) \(work.stderr.prefix(300))")
        #expect(
            work.stderr.hasPrefix("qflux indicators: 256 indicators over 5000 candles would take about ")
                && work.stderr.hasSuffix(
                    "updates, more than the 2000000000 allowed per request (fewer indicators, shorter periods or fewer candles)\n"
                ),
            "\(work.stderr)")

        var text = try String(contentsOfFile: csv, encoding: .utf8)
        text += "2025-08-24 06:00:00,1.1,1e308,1.2,1.0\n"
        let absurd = dir.appendingPathComponent("absurd.csv").path
        try text.write(toFile: absurd, atomically: true, encoding: .utf8)
        for command in ["indicators", "backtest"] {
            let args = command == "indicators" ? ["indicators", absurd, "--indicators", "rsi"] : ["backtest", absurd]
            let bad = try Self.qflux(args)
            #expect(bad.status == 1, "\(command): \(bad.status) \(bad.stderr)")
            #expect(
                bad.stderr == "qflux \(command): \(absurd): line 202: close \"1e308\" is not a plausible price\n",
                "\(bad.stderr)")
        }
    }

    /// Counts pixels near #2f6fde in a PNG (8-bit RGB/RGBA, non-interlaced: what Chromium writes).
    static let countBluePixels = #"""
        import struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        pos, idat, w, h, ctype = 8, b"", 0, 0, 0
        while pos < len(data):
            n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
            if kind == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            elif kind == b"IDAT": idat += body
        bpp = 4 if ctype == 6 else 3
        raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); count = 0; i = 0
        for y in range(h):
            f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            for x in range(0, stride, bpp):
                r, g, bl = line[x], line[x + 1], line[x + 2]
                if abs(r - 0x2f) < 40 and abs(g - 0x6f) < 40 and abs(bl - 0xde) < 40: count += 1
            prev = line
        print(count)
        """#
}
