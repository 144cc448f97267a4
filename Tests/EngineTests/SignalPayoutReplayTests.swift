import Archive
import Engine
import Foundation
import Testing

/// The payout in force reaches the journal: `qflux replay --signals` on the real capture 003350
/// (its two `updateAssets` lists: EURGBP_otc 86 % then 83 %) journals each signal with the payout
/// of the latest list before it – the payout tape the same replay archives – and scores each won
/// signal with it.
@Suite("Signals carry the payout in force")
struct SignalPayoutReplayTests {
    @Test(
        "replay --signals: the journal's payout and profit come from the capture's updateAssets frames",
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func journalUsesPayoutTape() throws {
        let dir = TempDir()
        let rules = URL(fileURLWithPath: dir.path).appendingPathComponent("always.rules")
        // A call on every closed 1 s candle: the capture's minute of ticks gives signals under both lists.
        try "call: close > 0\n".write(to: rules, atomically: true, encoding: .utf8)
        let data = URL(fileURLWithPath: dir.path).appendingPathComponent("data").path
        let replay = try CLITests.qflux([
            "replay", PayoutTapeReplayTests.capture.path, "--signals", "rules:\(rules.path)", "--timeframes", "1s",
            "--collect-stream", "both", "--data-dir", data, "-q",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let tape = try PayoutTape.load(directory: data)
        let lists = try #require(tape.entries["EURGBP_otc"])
        #expect(lists.map(\.payout) == [0.86, 0.83])

        let export = try CLITests.qflux(["export", data, "--kind", "signals", "--format", "jsonl", "-q"])
        #expect(export.status == 0, "\(export.stderr)")
        let journal = SignalJournalReplayTests.jsonLines(export.stdout).filter {
            $0["asset"] as? String == "EURGBP_otc"
        }
        var used = Set<Double>()
        var unpaid = 0
        for s in journal {
            let time = (s["time"] as! NSNumber).doubleValue
            let payout = s["payout"] as? Double
            // The list in force when the candle closed: the latest recorded at or before its end.
            #expect(payout == tape.payout(asset: "EURGBP_otc", at: time), "signal at \(time): \(payout ?? -1)")
            if let payout { used.insert(payout) } else { unpaid += 1 }
            guard let won = s["won"] as? Bool else { continue }  // still pending at the end
            #expect(s["profit"] as? Double == (won ? (payout ?? 0.8) : -1), "signal at \(time)")
        }
        #expect(used == [0.86, 0.83], "payouts used: \(used), \(unpaid) without, \(journal.count) signals")
        #expect(journal.contains { $0["won"] as? Bool == true && $0["profit"] as? Double == 0.83 })
        // Assets no list named keep a null payout and the default profit.
        let others = SignalJournalReplayTests.jsonLines(export.stdout).filter {
            tape.entries[$0["asset"] as! String] == nil
        }
        for s in others { #expect(s["payout"] is NSNull) }
    }
}
