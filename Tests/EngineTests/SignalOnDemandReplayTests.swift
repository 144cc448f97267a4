import Foundation
import Testing

/// Issue 25's "a subscriber of a replayed archive gets the same signals", on demand: `qflux
/// stream --replay-archive` runs WITHOUT `--signals`, a default python-socketio client subscribes
/// mid-replay (the evaluations start then, seeded from the server's candles), and what it receives
/// equals the journal of a separate `qflux replay --signals` run on the same ticks (`qflux export
/// --kind signals --format jsonl`): the same signals and results from its subscription on. Bad
/// requests each get one `error` and nothing else, and nothing is journaled.
@Suite("On-demand signals over Socket.IO", .serialized)
struct SignalOnDemandReplayTests {
    static let assets = ["EURUSD_otc", "GBPJPY_otc"]

    /// A capture in Chrome's CDP form (an `updateStream` placeholder then the binary tick, as in
    /// the real captures): two assets alternating, a tick every 0.2–0.5 s for ~14 minutes, prices
    /// a 5-decimal random walk with slow swings, so quantum_flux decides often on 1 s candles.
    static func writeCapture(to path: String) throws {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var prices = [1.1, 1.3]
        let t0 = 1_756_000_000.0
        var t = t0
        var text = ""
        for i in 0..<2400 {
            t += 0.2 + next() * 0.3
            for k in 0..<2 where (i + k) % 2 == 0 {
                prices[k] += sin(Double(i) / Double(30 + 7 * k)) * 0.00012 + (next() - 0.5) * 0.0003
                let offset = String(format: "%.4f", t - t0)
                text +=
                    #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":\#(offset),"response":{"opcode":1,"mask":false,"payloadData":"451-[\"updateStream\",{\"_placeholder\":true,\"num\":0}]"}}}"#
                    + "\n"
                let tick = "[[\"\(assets[k])\",\(String(format: "%.3f", t)),\(String(format: "%.5f", prices[k]))]]"
                text +=
                    #"{"method":"Network.webSocketFrameReceived","params":{"requestId":"1.1","timestamp":\#(offset),"response":{"opcode":2,"mask":false,"payloadData":"\#(Data(tick.utf8).base64EncodedString())"}}}"#
                    + "\n"
            }
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test(
        "a subscriber of a replayed archive (no --signals) gets the journal's signals and results; refusals are one error each",
        .enabled(if: Dependency.python, Dependency.needsPython),
        .enabled(if: qfluxBinaryPath() != nil, "needs the built qflux binary"))
    func onDemandSubscriberGetsJournal() throws {
        let dir = try AnalysisCLITests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("synthetic.cdp.jsonl").path
        try Self.writeCapture(to: capture)
        let archive = dir.appendingPathComponent("archive").path
        let journal = dir.appendingPathComponent("journal").path
        let served = dir.appendingPathComponent("served").path
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        let timeframes = ["--timeframes", "1s,5s"]

        // The archive the server replays, and the journal of a screened replay of the same ticks.
        let collect = try AnalysisCLITests.qflux(
            ["replay", capture, "--collect-stream", "tick", "--data-dir", archive, "-q"] + timeframes)
        try #require(collect.status == 0, "\(collect.stderr)")
        let screened = try AnalysisCLITests.qflux(
            ["replay", capture, "--data-dir", journal, "--signals", "quantum_flux@1s,quantum_flux@5s"] + timeframes)
        try #require(screened.status == 0, "\(screened.stderr)")
        let export = try AnalysisCLITests.qflux(["export", journal, "--kind", "signals", "--format", "jsonl"])
        try #require(export.status == 0, "\(export.stderr)")
        let entries = AnalysisCLITests.jsonLines(export.stdout)
        #expect(entries.count > 100, "journal: \(entries.count) signals")

        // The server: no --signals; the client subscribes once 600 candles have closed (~4 of the
        // capture's 14 minutes), so the evaluations start mid-replay.
        let qflux = try #require(qfluxBinaryPath())
        let stream = try ChildProcess(
            qflux,
            ["stream", "--replay-archive", archive, "--speed", "20", "--port", "0", "--data-dir", served] + timeframes)
        defer { stream.kill() }
        var base: String?
        #expect(
            waitUntil(30) {
                base = stream.log.firstMatch(of: /open (http:\/\/127\.0\.0\.1:\d+)\//).map { String($0.1) }
                return base != nil
            }, "\(stream.log.suffix(600))")
        let url = try #require(base)
        let run = try runScript(
            "on_demand_signals_client.py", args: [url, "600", "quantum_flux@1", "quantum_flux@5"], timeout: 240)
        #expect(run.status == 0, "client failed: \(run.stderr.suffix(600))")
        let result = try #require(run.result, "\(run.stdout.suffix(600)) \(run.stderr.suffix(600))")

        // Refusals: exactly one error each, nothing subscribed; a rules file is never read.
        let refusals = try #require(result["refusals"] as? [[String: Any]])
        #expect(refusals.count == 3)
        for r in refusals { #expect(r["errors"] as? Int == 1 && r["subscribed"] as? Int == 0, "\(r)") }
        let messages = refusals.map { $0["message"] as? String ?? "" }
        #expect(messages.first?.contains("rules files are evaluated only when the server screens them") == true)
        #expect(messages.dropFirst().first?.contains("unknown strategy moon_phase") == true)
        #expect(messages.last?.contains("7s is not formed") == true)
        #expect((result["errors"] as? [Any])?.count == 3)
        #expect((result["subscribed"] as? [Any])?.count == 2)

        // The window both cover: signals decided after the subscriptions took effect – after the
        // engine's batch that followed their confirmation (the newest tick then, plus a margin for
        // a batch that had piled up on a loaded machine).
        let subscribedAfter = try #require((result["subscribed_after"] as? NSNumber)?.doubleValue)
        let subscribedBy = try #require((result["subscribed_by"] as? NSNumber)?.doubleValue)
        #expect(subscribedBy >= subscribedAfter)
        func key(_ x: [String: Any]) -> String {
            "\(x["asset"] as! String)/\(x["timeframe"] as! Int)/\(x["strategy"] as! String)@\((x["time"] as! NSNumber).int64Value)"
        }
        let received = try #require(result["signals"] as? [[String: Any]])
        let results = try #require(result["results"] as? [[String: Any]])
        let byKey = Dictionary(uniqueKeysWithValues: entries.map { (key($0), $0) })
        let got = received.map(key)
        #expect(Set(got).count == got.count, "a signal delivered twice")
        #expect(received.count >= 40, "only \(received.count) signals delivered")
        // Every signal delivered is the journal's, field for field …
        for s in received {
            let j = try #require(byKey[key(s)], "not journaled: \(key(s))")
            #expect(s["direction"] as? String == j["direction"] as? String, "\(key(s))")
            #expect((s["entry_price"] as? NSNumber)?.doubleValue == (j["entry_price"] as? NSNumber)?.doubleValue)
            #expect(s["expiry"] as? Int == j["expiry"] as? Int)
            // the journal keeps the strategy's confidence (quantum_flux: min(|score|, 1))
            let confidence = (j["confidence"] as? NSNumber)?.doubleValue
            #expect(confidence != nil && (s["confidence"] as? NSNumber)?.doubleValue == confidence, "\(key(s))")
        }
        // … and every journaled one decided after the subscription took effect was delivered,
        // those of its first 50 candles included: the evaluations were seeded (unseeded,
        // quantum_flux would be silent for 50 candles).
        let lastReceived = received.map { ($0["time"] as! NSNumber).doubleValue }.max() ?? 0
        let window = entries.filter {
            let time = ($0["time"] as! NSNumber).doubleValue
            return time > subscribedBy + 10 + Double($0["timeframe"] as! Int) && time < lastReceived
        }
        #expect(window.count >= 40)
        let warmUp = window.filter {
            $0["timeframe"] as! Int == 1 && ($0["time"] as! NSNumber).doubleValue < subscribedAfter + 50
        }
        #expect(!warmUp.isEmpty, "no journaled 1 s signal within 50 candles of the subscription")
        let missed = window.filter { !Set(got).contains(key($0)) }
        #expect(missed.isEmpty, "missed \(missed.count) of \(window.count): \(missed.prefix(3))")
        #expect(received.contains { $0["timeframe"] as! Int == 5 }, "no 5 s signal delivered")
        // Results: each one equals the journal's outcome of its signal.
        #expect(results.count >= received.count - 2 * Self.assets.count * 2)
        for x in results {
            let j = try #require(byKey[key(x)])
            #expect((x["exit_price"] as? NSNumber)?.doubleValue == (j["exit_price"] as? NSNumber)?.doubleValue)
            #expect(x["won"] as? Bool == j["won"] as? Bool)
            #expect((x["profit"] as? NSNumber)?.doubleValue == (j["profit"] as? NSNumber)?.doubleValue)
        }

        // Ctrl-C stops the server cleanly; on-demand signals were not journaled under its --data-dir.
        Foundation.kill(stream.pid, SIGINT)
        #expect(stream.wait(timeout: 60), "\(stream.log.suffix(600))")
        #expect(stream.process.terminationStatus == 0, "\(stream.log.suffix(600))")
        let servedExport = try AnalysisCLITests.qflux(["export", served, "--kind", "signals", "--format", "jsonl"])
        #expect(servedExport.stdout.isEmpty, "\(servedExport.stdout.prefix(300))")
    }
}
