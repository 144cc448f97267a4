import Candles
import FastDecode
import Foundation
import Indicators
import SocketIOServer
import Testing

/// Live indicators over real python-socketio clients (websocket transport) against an in-process
/// server: the values of `indicator_history` and `indicator_update` equal the Indicators target's
/// batch computation over the same candles; bad requests and limits are answered.
@Suite("Server live indicators", .serialized, .enabled(if: Dependency.python, Dependency.needsPython))
struct ServerIndicatorTests {
    /// Every indicator kind, small periods so the 60 history candles give values.
    static let spec =
        "sma(5),ema(5),wma(4),rsi(5),macd(3,6,2),bbands(5,2),stoch(5,3,3),atr(5),cci(5),willr(5),roc(3),adx(5),supertrend(5,3)"
    /// The same set in another order and spelling: it must share client A's computation.
    static let specB =
        "SuperTrend(5,3), adx(5), roc(3), williams_r(5), cci(5), atr(5), stochastic(5,3,3), bollinger(5,2), macd(3,6,2), rsi(5), wma(4), ema(5), sma(5), sma(5)"

    @Test(
        "indicator_history and each indicator_update equal the batch computation, across forming-candle revisions; two spellings share one computation"
    )
    func valuesEqualBatch() throws {
        // one computation allowed on the server: client B only gets in by sharing A's
        let (server, dir) = try makeIndicatorServer { $0.liveIndicators.maxComputations = 1 }
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let history = IndicatorDataSource.history(eur, .oneMinute)
        let h = history.last!.start, open = history.last!.close
        func candle(_ start: Int64, _ close: Double, _ high: Double, _ low: Double) -> Candle {
            Candle(
                asset: eur, timeframe: .oneMinute, start: start, open: open, high: high, low: low, close: close,
                ticks: 3)
        }
        // revise the history's forming candle, open new ones, revise them, skip two minutes
        let steps: [Candle] = [
            candle(h, 1.1301, 1.1330, 1.1200), candle(h, 1.1345, 1.1350, 1.1200),
            candle(h + 60, 1.1320, 1.1360, 1.1310), candle(h + 60, 1.1390, 1.1395, 1.1300),
            candle(h + 60, 1.1250, 1.1395, 1.1240),
            candle(h + 120, 1.1262, 1.1270, 1.1250), candle(h + 240, 1.1200, 1.1262, 1.1190),
            candle(h + 240, 1.1215, 1.1262, 1.1190),
            candle(h + 300, 1.1300, 1.1310, 1.1210),
        ]
        var published = 0
        let run = try runScriptWatching(
            "indicator_client.py",
            args: [
                "values", "http://127.0.0.1:\(server.boundPort)", Self.spec, Self.specB,
                String(steps.count),
            ], timeout: 60
        ) { out in
            // step k once both clients have step k-1 (no coalescing: each step is seen on its own)
            guard published < steps.count, out.contains("READY"),
                published == 0 || out.contains("GOT \(published - 1)\n")
            else { return }
            server.publish(CollectionOfOne(steps[published]))
            published += 1
        }
        let r = try #require(run.result, "no result: \(run.stdout.suffix(400)) \(run.stderr.suffix(1500))")

        // indicators_subscribed: the canonical set, both clients
        let subscribed = try #require(r["subscribed"] as? [[String: Any]])
        let columns = try batchIndicators(history, spec: Self.spec).columns
        #expect(subscribed.count == 2)
        for s in subscribed {
            #expect(s["asset"] as? String == "EURUSD_otc" && s["timeframe"] as? String == "1m")
            #expect(Set(s["outputs"] as? [String] ?? []) == Set(columns), "\(s)")
        }
        #expect(subscribed[0]["outputs"] as? [String] == subscribed[1]["outputs"] as? [String])

        // indicator_history: one row per history candle, equal to the batch table
        let expectedHistory = try batchIndicators(history, spec: Self.spec)
        for key in ["history", "history_b"] {
            let rows = try #require((r[key] as? [String: Any])?["history"] as? [[String: Any]])
            #expect(rows.count == history.count)
            for (i, row) in rows.enumerated() {
                #expect(row["timestamp"] as? Int == Int(history[i].start))
                let bad = valuesMismatch(
                    row["values"] as? [String: Any], columns: columns, expected: expectedHistory.rows[i])
                #expect(bad == nil, "history row \(i): \(bad ?? "")")
            }
        }

        // indicator_update k: the batch computation over history + steps 0...k (the last one forming)
        let updates = try #require(r["updates"] as? [[String: Any]]),
            updatesB = try #require(r["updates_b"] as? [[String: Any]])
        #expect(updates.count == steps.count && updatesB.count == steps.count, "\(updates.count) \(updatesB.count)")
        var series = history
        var nonNull = 0
        for (k, step) in steps.enumerated() where k < updates.count && k < updatesB.count {
            upsertCandle(step, into: &series)
            let expected = try batchIndicators(series, spec: Self.spec)
            let want = expected.rows.last!
            nonNull += want.compactMap { $0 }.count
            for u in [updates[k], updatesB[k]] {
                #expect(u["timestamp"] as? Int == Int(step.start), "step \(k)")
                #expect(u["asset"] as? String == "EURUSD_otc" && u["timeframe"] as? String == "1m")
                let bad = valuesMismatch(u["values"] as? [String: Any], columns: columns, expected: want)
                #expect(bad == nil, "step \(k): \(bad ?? "")")
            }
        }
        #expect(nonNull == steps.count * columns.count, "every output has a value after 60 candles")
        print(
            "live indicators: \(steps.count) steps × \(columns.count) outputs equal the batch computation, 2 clients, 1 computation"
        )
    }

    @Test(
        "bad requests get indicators_error; per-client and server-wide limits hold; a left client's computation is freed; unsubscribe stops updates"
    )
    func errorsAndLimits() throws {
        let (server, dir) = try makeIndicatorServer {
            $0.liveIndicators.maxIndicatorsPerClient = 4
            $0.liveIndicators.maxPairsPerClient = 2
            $0.liveIndicators.maxComputations = 3
        }
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!, gbp = dir.lookup("GBPUSD")!
        var n: Int64 = 0
        let run = try runScriptWatching(
            "indicator_client.py", args: ["limits", "http://127.0.0.1:\(server.boundPort)"], timeout: 60
        ) { out in
            guard out.contains("PUBLISH") else { return }
            n += 1
            let t = IndicatorDataSource.history(eur, .oneMinute).last!.start + 60
            server.publish([
                Candle(
                    asset: gbp, timeframe: .oneMinute, start: t, open: 1.2, high: 1.3, low: 1.1,
                    close: 1.2 + Double(n) * 1e-4, ticks: Int(n)),
                Candle(
                    asset: eur, timeframe: .oneMinute, start: t, open: 1.1, high: 1.2, low: 1.0,
                    close: 1.1 + Double(n) * 1e-4, ticks: Int(n)),
            ])
        }
        let r = try #require(run.result, "no result: \(run.stdout.suffix(400)) \(run.stderr.suffix(1500))")
        let errors = try #require(r["errors"] as? [[String: Any]])
        var messages: [String: String] = [:]
        for e in errors {
            let label = e["label"] as? String ?? "?"
            let reply = e["reply"] as? [String: Any]
            #expect(reply?["request"] as? String == "subscribe_indicators", "\(label): \(String(describing: reply))")
            #expect(reply?["outputs"] == nil, "\(label) must not subscribe")
            messages[label] = reply?["error"] as? String ?? ""
        }
        #expect(errors.count == 19)
        #expect(r["error_events"] as? Int == errors.count, "each error is also sent as indicators_error")
        let expectations: [(String, String)] = [
            ("not an object", "needs"), ("no asset", "asset"), ("unknown asset", "unknown asset nope"),
            ("bad timeframe", "timeframe"), ("no indicators", "indicators"),
            ("unknown indicator", "unknown indicator \"foo\""),
            ("period too small", "at least 2"), ("unbalanced", "missing ')'"), ("empty", "empty"),
            ("not a number", "not a number"),
            ("indicators a number", "must be a string"), ("array with a number", "must be a string"),
            ("period too large", "at most 1000"), ("spec too long", "too long"),
            ("not received", "not receiving GBPUSD 15s"),
            ("too many in one", "too many indicators"), ("third pair", "too many pairs"),
            ("too many over pairs", "too many indicators"),
            ("server limit", "server busy"),
        ]
        for (label, fragment) in expectations {
            #expect(messages[label]?.contains(fragment) == true, "\(label): \(messages[label] ?? "missing")")
        }
        let ok = try #require(r["ok"] as? [[String: Any]])
        #expect(
            ok.map { $0["label"] as? String } == [
                "a eur 1m", "a gbp 1m", "a gbp 1m replaced", "b eur 5s", "c shares a's set", "after b left",
            ])
        for o in ok {
            let reply = o["reply"] as? [String: Any]
            #expect(reply?["error"] == nil && reply?["outputs"] is [String], "\(o)")
        }
        #expect((ok[2]["reply"] as? [String: Any])?["outputs"] as? [String] == ["rsi_4", "sma_4"])
        #expect((ok[2]["reply"] as? [String: Any])?["timeframe"] as? String == "1m")
        let kept = (r["unsubscribed_unknown"] as? [String: Any])?["subscriptions"] as? [[String: Any]]
        #expect(kept?.count == 2, "an unknown asset unsubscribes nothing: \(String(describing: kept))")
        let remaining = (r["unsubscribed"] as? [String: Any])?["subscriptions"] as? [[String: Any]]
        #expect(remaining?.count == 1)
        #expect(remaining?.first?["asset"] as? String == "EURUSD_otc")
        #expect(remaining?.first?["outputs"] as? [String] == ["ema_3", "sma_3"])
        let aAfter = try #require(r["a_after"] as? [[String: Any]]),
            cAfter = try #require(r["c_after"] as? [[String: Any]])
        #expect(!aAfter.isEmpty && aAfter.allSatisfy { $0["asset"] as? String == "EURUSD_otc" }, "\(aAfter)")
        #expect(
            cAfter.contains {
                $0["asset"] as? String == "GBPUSD"
                    && ($0["values"] as? [String: Any])?.keys.sorted() == ["rsi_4", "sma_4"]
            })
    }

    @Test("200 clients asking for the same set share one computation and each gets its indicator_update")
    func manyClientsShare() throws {
        let spec = "ema(20),bbands(20,2),rsi(14),macd(12,26,9)"
        let (server, dir) = try makeIndicatorServer { $0.liveIndicators.maxComputations = 1 }
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let history = IndicatorDataSource.history(eur, Timeframe(seconds: 5))
        let live = Candle(
            asset: eur, timeframe: Timeframe(seconds: 5), start: history.last!.start + 5, open: 1.14, high: 1.15,
            low: 1.13, close: 1.145, ticks: 2)
        let run = try runScriptWatching(
            "indicator_client.py", args: ["many", "http://127.0.0.1:\(server.boundPort)", "200", spec],
            timeout: 120
        ) { out in
            if out.contains("MANY_READY") { server.publish(CollectionOfOne(live)) }
        }
        let r = try #require(run.result, "no result: \(run.stdout.suffix(400)) \(run.stderr.suffix(1500))")
        #expect(r["subscribed"] as? Int == 200, "\(r["errors"] ?? "")")
        #expect(r["received"] as? Int == 200)
        #expect(r["same"] as? Bool == true)
        let expected = try batchIndicators(history + [live], spec: spec)
        let values = (r["values"] as? [[String: Any]])?.first
        #expect(valuesMismatch(values, columns: expected.columns, expected: expected.rows.last!) == nil)
        print(
            "live indicators, 200 clients on one computation: subscribe all \(r["subscribe_s"] ?? "?") s, first update to all \(r["first_update_s"] ?? "?") s; \(server.stats)"
        )
    }
}
