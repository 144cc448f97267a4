import Candles
import FastDecode
import Foundation
import Logging
import Signals
import Testing

@testable import Archive
@testable import Engine
@testable import SocketIOServer

/// Live delivery (`subscribe_signals`): a server replaying the real capture 003350's archive with
/// a screener sends a default python-socketio subscriber the same signals and results its journal
/// holds; a bad spec, an unknown strategy and one subscription too many each get one `error`.
@Suite("Live signals over Socket.IO", .serialized)
struct SignalLiveDeliveryTests {
    @Test(
        "a subscriber of a replayed archive gets the journal's signals and results; refusals are one error each",
        .enabled(if: Dependency.python, Dependency.needsPython),
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func subscriberGetsJournal() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try AnalysisCLITests.replayArchive(dir)
        let plan = try ArchiveReplayPlan.load(directory: data, from: nil, to: nil)
        let rules = dir.appendingPathComponent("always.rules")
        try "call: close > 0\n".write(to: rules, atomically: true, encoding: .utf8)
        let journalDir = dir.appendingPathComponent("journal").path
        try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)

        var config = LiveStream.Configuration()
        config.server.port = 0
        config.pipeline.backpressure = .wait
        config.pipeline.timeframes = [Timeframe(seconds: 1)]
        let source = ArchiveReplaySource(plan: plan, configuration: .init(speed: 4))
        let stream = try LiveStream(configuration: config, source: source, logger: Logger(label: "test"))
        let specs = try SignalSpec.parseList("rules:\(rules.path)@1s")
        let screener = try SignalScreener(
            specs: specs, assets: stream.assets, dataDirectory: journalDir,
            payoutInForce: stream.payoutBoard.payoutInForce(assets: stream.assets),
            window: 2)  // the archive has no history: decide from the third live 1 s candle on
        stream.attach(screener: screener)
        try stream.start()
        let run = try runScript(
            "signals_client.py",
            args: [
                "http://127.0.0.1:\(stream.port)", rules.path, "1s", String(SignalSubscriptions.maxPerClient),
            ], timeout: 240)
        _ = try stream.stop()
        try screener.close()
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(600))")
        let result = try #require(run.result, "\(run.stdout.suffix(600)) \(run.stderr.suffix(600))")

        // Refusals: exactly one error each, nothing subscribed.
        let refusals = try #require(result["refusals"] as? [[String: Any]])
        #expect(refusals.count == 3)
        for r in refusals {
            #expect(r["errors"] as? Int == 1 && r["subscribed"] as? Int == 0, "\(r)")
        }
        #expect((refusals.first?["message"] as? String)?.contains("assets") == true)
        #expect((refusals.dropFirst().first?["message"] as? String)?.contains("unknown strategy moon_phase") == true)
        #expect((refusals.last?["message"] as? String)?.contains("too many signal subscriptions") == true)
        #expect((result["errors"] as? [Any])?.count == 3)

        // The journal of the same run, one entry per signal (merged with its result).
        let entries = try SignalJournalEntry.load(directory: journalDir).entries.map(\.record)
        let received = try #require(result["signals"] as? [[String: Any]])
        let results = try #require(result["results"] as? [[String: Any]])
        #expect(
            received.count >= 10,
            "only \(received.count) signals delivered (journal \(entries.count), subscribed \(result["subscribed"] ?? "-"))"
        )
        // From its first signal on, the subscriber got every journaled signal, none twice, same fields.
        let first = try #require(received.first.map { ($0["time"] as! NSNumber).int64Value })
        func key(_ asset: String, _ time: Int64) -> String { "\(asset)@\(time)" }
        let journaled = entries.filter { $0.time >= first }
        let got = received.map { key($0["asset"] as! String, ($0["time"] as! NSNumber).int64Value) }
        #expect(Set(got).count == got.count)
        let expectedKeys = journaled.map { key($0.asset, $0.time) }
        // The last batch's signals may follow the replay's end status: all but those must be there
        #expect(Set(got).isSubset(of: Set(expectedKeys)))
        let lastReceived = received.map { ($0["time"] as! NSNumber).int64Value }.max() ?? 0
        let missed = journaled.filter { !Set(got).contains(key($0.asset, $0.time)) }
        // (and the subscription may take effect within the second of its first signal)
        #expect(
            missed.allSatisfy { $0.time == first || $0.time >= lastReceived },
            "missed in the middle: \(missed.prefix(3))")
        #expect(got.count >= expectedKeys.count - 2 * plan.assets.count, "\(got.count) of \(expectedKeys.count)")
        let byKey = Dictionary(uniqueKeysWithValues: journaled.map { (key($0.asset, $0.time), $0) })
        for s in received {
            let r = try #require(byKey[key(s["asset"] as! String, (s["time"] as! NSNumber).int64Value)])
            #expect(s["strategy"] as? String == "rules:\(rules.path)" && s["timeframe"] as? Int == 1)
            #expect(s["direction"] as? String == (r.isCall ? "call" : "put"))
            #expect(s["entry_price"] as? Double == r.entryPrice)
            #expect(s["expiry"] as? Int == r.expiry)
            #expect((s["payout"] as? Double) == r.payout)
            #expect(s["indicators"] is [String: Any])
        }
        // Results: each one equals the journal's outcome of its signal (a signal decided just
        // before the subscription took effect may have its result delivered: look in the whole journal).
        #expect(results.count >= received.count - 2 * plan.assets.count)
        let allByKey = Dictionary(entries.map { (key($0.asset, $0.time), $0) }, uniquingKeysWith: { a, _ in a })
        var paid = Set<Double>()
        for x in results {
            let r = try #require(allByKey[key(x["asset"] as! String, (x["time"] as! NSNumber).int64Value)])
            let o = try #require(r.outcome)
            #expect(x["exit_price"] as? Double == o.exitPrice)
            #expect(x["won"] as? Bool == o.won)
            #expect(x["profit"] as? Double == o.profit)
            if let p = x["payout"] as? Double { paid.insert(p) }
        }
        #expect(paid.contains(0.83), "payouts delivered: \(paid)")
    }
}
