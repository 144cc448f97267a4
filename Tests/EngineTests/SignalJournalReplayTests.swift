import Archive
import Engine
import Foundation
import Testing

/// The screener on a replayed capture: its journal against `qflux backtest --fill live` on the
/// archived candles, the journal's export and statistics, bad specs.
@Suite("Signal journal of a replayed capture")
struct SignalJournalReplayTests {
    typealias Row = [String: Any]

    static func jsonLines(_ text: String) -> [Row] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? Row
        }
    }

    /// Test: `replay --signals quantum_flux` journals exactly the trades of `backtest --fill live`
    /// on the exported candles, from the moment each asset's candles closed live (after its
    /// history arrived: signals are never emitted for the past).
    @Test(
        "replay --signals quantum_flux: the journal equals backtest --fill live trade for trade",
        arguments: ["pocketoption-20250903_012215.cdp.jsonl", "pocketoption-20250903_003350.cdp.jsonl"])
    func journalEqualsBacktest(fixture: String) throws {
        let dir = TempDir()
        let capture = CLITests.fixtures.appendingPathComponent(fixture).path
        let replay = try CLITests.qflux([
            "replay", capture, "--signals", "quantum_flux", "--timeframes", "5s", "--data-dir", dir.path,
            "--collect-stream", "candle", "--print", "candles",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stderr.contains("signals:"))
        // Each asset's live start: the first candle closed after its last history (revised) candle.
        var liveFrom: [String: Int?] = [:]
        for c in Self.jsonLines(replay.stdout) {
            let asset = c["asset"] as! String
            if c["revised"] as? Bool == true {
                liveFrom[asset] = .some(nil)
            } else if liveFrom[asset] == nil || liveFrom[asset]! == nil {
                liveFrom[asset] = .some(c["time"] as? Int)
            }
        }
        let export = try CLITests.qflux(["export", dir.path, "--kind", "signals", "--format", "jsonl", "-q"])
        #expect(export.status == 0, "\(export.stderr)")
        let journal = Self.jsonLines(export.stdout)
        var compared = 0
        for (asset, from) in liveFrom.sorted(by: { $0.key < $1.key }) {
            let backtest = try CLITests.qflux([
                "backtest", dir.path, "--asset", asset, "--timeframe", "5s", "--fill", "live", "--json", "-q",
            ])
            #expect(backtest.status == 0, "\(backtest.stderr)")
            let result = try JSONSerialization.jsonObject(with: Data(backtest.stdout.utf8)) as! Row
            let trades = (result["trades"] as! [Row]).filter { t in
                guard let from else { return false }
                return (t["timestamp"] as! Double) >= Double(from)
            }
            let live = journal.filter { $0["asset"] as? String == asset }
            #expect(live.count == trades.count, "\(asset)")
            for (s, t) in zip(live, trades) {
                #expect((s["time"] as! Double) == (t["timestamp"] as! Double) + 5)
                #expect(s["direction"] as? String == t["signal"] as? String)
                #expect(s["entry_price"] as? Double == t["entry_price"] as? Double)
                #expect(s["exit_price"] as? Double == t["exit_price"] as? Double)
                #expect(s["won"] as? Bool == t["won"] as? Bool)
                #expect(s["strategy"] as? String == "quantum_flux")
                #expect(s["expiry"] as? Int == 5)
                // The payout in force comes from the captures' updateAssets lists (SignalPayoutReplayTests).
                #expect(s["profit"] as? Double == ((s["won"] as! Bool) ? (s["payout"] as? Double ?? 0.8) : -1))
            }
            compared += live.count
        }
        if fixture.hasPrefix("pocketoption-20250903_012215") { #expect(compared == 9) }
    }

    /// Test: `qflux signals` prints the journal's win rate and interval beside the backtest's.
    @Test("qflux signals: win rate with its interval, breakdowns, the backtest beside")
    func statistics() throws {
        let dir = TempDir()
        let capture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_012215.cdp.jsonl").path
        let replay = try CLITests.qflux([
            "replay", capture, "--signals", "quantum_flux@5s", "--timeframes", "5s", "--data-dir", dir.path,
            "--collect-stream", "candle", "-q",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let stats = try CLITests.qflux(["signals", dir.path, "--strategy", "quantum_flux"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let all = stats.stdout.split(separator: "\n").first { $0.hasPrefix("all ") }.map(String.init) ?? ""
        // 9 signals, 5 won: 55.6 % with the Wilson interval [26.7, 81.1], profit 5 × 0.8 - 4 = 0 (the
        // capture's only CADCHF_otc payout list, 92 %, comes after the last signal).
        #expect(all.contains("9  55.6 % [26.7–81.1]  +0.00   9  55.6 % [26.7–81.1]  +0.00"), "\(stats.stdout)")
        #expect(stats.stdout.contains("asset CADCHF_otc"))
        #expect(stats.stdout.contains("hour 03 UTC"))
        // ls and verify list the journal's chunks beside ticks and candles.
        let ls = try CLITests.qflux(["ls", dir.path])
        #expect(ls.status == 0, "\(ls.stderr)")
        #expect(ls.stdout.contains("signals"))
        let verify = try CLITests.qflux(["verify", dir.path])
        #expect(verify.status == 0, "\(verify.stderr)")
        let none = try CLITests.qflux(["signals", dir.path, "--asset", "NOPE"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("0 signals"))
    }

    /// Test: a bad spec or an unknown strategy is one usage error, before anything runs.
    @Test("Bad --signals specs are usage errors", arguments: ["moon_phase", "quantum_flux@9q", "rules:/nonexistent"])
    func badSpecs(spec: String) throws {
        let dir = TempDir()
        let capture = CLITests.fixtures.appendingPathComponent("pocketoption-20250903_012215.cdp.jsonl").path
        let run = try CLITests.qflux(["replay", capture, "--signals", spec, "--data-dir", dir.path, "-q"])
        #expect(run.status == 64)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("--signals"))
    }
}
