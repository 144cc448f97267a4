import Candles
import FastDecode
import Foundation
import Indicators
import SocketIOServer
import Testing

/// The live page's indicators in headless Chromium: overlays on the price chart and the RSI / MACD
/// panes, drawn from the server's `indicator_update` values, and a user-chosen set.
@Suite("Server page indicators", .serialized)
struct ServerPageIndicatorTests {
    static let defaultSpec = "ema(20),bbands(20,2),rsi(14),macd(12,26,9)"

    @Test(
        "headless Chromium draws EMA + Bollinger overlays and RSI + MACD panes from the server's values; the spec input changes the set",
        .enabled(if: Dependency.chromium, Dependency.needsChromium),
        .enabled(if: Dependency.python, Dependency.needsPython))
    func drawsIndicators() throws {
        let browser = try #require(Dependency.chromiumPath)
        let (server, dir) = try makeIndicatorServer()
        defer { server.stop() }
        let eur = dir.lookup("EURUSD_otc")!
        let history = IndicatorDataSource.history(eur, .oneMinute)
        let live = Candle(
            asset: eur, timeframe: .oneMinute, start: history.last!.start + 60, open: history.last!.close,
            high: 1.1420, low: 1.1290, close: 1.1407, ticks: 4)
        try withHeadlessPage(browser, "http://127.0.0.1:\(server.boundPort)/", arguments: ["--window-size=1000,700"]) {
            port in
            // the live forming candle, published until the probe is done: 60 history candles + 1
            let run = try runScriptWhile(
                "page_indicator_probe.py", args: [String(port), "40", "61", String(live.start), "sma(5),wma(9)"],
                timeout: 55
            ) {
                server.publish(CollectionOfOne(live))
            }
            let r = try #require(run.result, "probe: \(run.stdout.suffix(600)) \(run.stderr.suffix(600))")
            let first = try #require(r["first"] as? [String: Any]), second = try #require(r["second"] as? [String: Any])

            // the candles still work
            #expect(first["count"] as? String == "61", "\(first)")
            #expect(first["statusClass"] as? String == "ok")
            // default set: values equal the batch computation over history + the live candle
            let ind = try #require(first["ind"] as? [String: Any])
            let expected = try batchIndicators(history + [live], spec: Self.defaultSpec)
            #expect(Set(ind["outputs"] as? [String] ?? []) == Set(expected.columns))
            let last = try #require(ind["last"] as? [String: Any])
            #expect(last["timestamp"] as? Int == Int(live.start))
            let bad = valuesMismatch(
                last["values"] as? [String: Any], columns: expected.columns, expected: expected.rows.last!)
            #expect(bad == nil, "\(bad ?? "")")
            #expect(
                ind["overlays"] as? [String] == [
                    "bbands_20_2_upper", "bbands_20_2_middle", "bbands_20_2_lower", "ema_20",
                ])
            #expect(ind["panes"] as? [String] == ["macd_12_26_9", "rsi_14"])
            // each series is on the canvas in its colour (pixels counted in the bitmap)
            let drawn = try #require(ind["drawn"] as? [String: [String: Any]])
            let pixels = try #require(first["pixels"] as? [String: Int])
            for name in expected.columns {
                let color = try #require(drawn[name]?["color"] as? String, "\(name) not drawn")
                #expect(pixels[color, default: 0] >= 40, "\(name) (\(color)): \(pixels[color, default: 0]) pixels")
                let point = drawn[name]?["last"] as? [String: Any]
                #expect(
                    jsonDouble(point?["v"]) == expected.rows.last![expected.columns.firstIndex(of: name)!],
                    "\(name) last drawn value")
            }
            #expect(drawn["macd_12_26_9_hist"]?["down"] is String)
            print(
                "page indicators: pixels per series colour \(expected.columns.map { "\($0)=\(pixels[drawn[$0]?["color"] as? String ?? "", default: 0])" })"
            )

            // the user's set: two moving averages, no panes; the RSI / MACD colours are gone
            let ind2 = try #require(second["ind"] as? [String: Any])
            #expect(ind2["outputs"] as? [String] == ["sma_5", "wma_9"], "\(second)")
            #expect(ind2["overlays"] as? [String] == ["sma_5", "wma_9"])
            #expect((ind2["panes"] as? [String])?.isEmpty == true)
            let expected2 = try batchIndicators(history + [live], spec: "sma(5),wma(9)")
            let last2 = try #require(ind2["last"] as? [String: Any])
            #expect(
                valuesMismatch(
                    last2["values"] as? [String: Any], columns: expected2.columns, expected: expected2.rows.last!)
                    == nil)
            let pixels2 = try #require(second["pixels"] as? [String: Int])
            let drawn2 = try #require(ind2["drawn"] as? [String: [String: Any]])
            for name in ["sma_5", "wma_9"] {
                let color = try #require(drawn2[name]?["color"] as? String)
                #expect(pixels2[color, default: 0] >= 40, "\(name): \(pixels2[color, default: 0]) pixels")
            }
            for gone in ["#e879f9", "#38bdf8", "#2dd4bf"] {  // rsi, macd line, macd histogram
                #expect(pixels2[gone] == 0, "\(gone): \(pixels2[gone] ?? -1) pixels after the set changed")
            }
            #expect(second["indstatus"] as? String == "sma(5) wma(9)")
        }
    }
}
