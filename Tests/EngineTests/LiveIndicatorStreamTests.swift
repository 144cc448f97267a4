import Candles
import FastDecode
import Foundation
import Indicators
import Testing

@testable import SocketIOServer

/// The shared computation behind `indicator_update`, without a network: seeding, updates that
/// arrive before the seed, forming-candle revisions, late revisions, request parsing, cost.
@Suite("Live indicator stream")
struct LiveIndicatorStreamTests {
    static let spec =
        "sma(5),ema(5),rsi(5),macd(3,6,2),bbands(5,2),stoch(5,3,3),adx(5),supertrend(5,3),demarker(5),stc(3,6,2,2)"
    static let eur = AssetID(rawValue: 0)

    static func stream() throws -> LiveIndicatorStream {
        let specs = try LiveIndicatorRequest.specs(.string(spec), limits: LiveIndicatorLimits())
        return LiveIndicatorStream(pair: SubscriptionKey(asset: 0, seconds: 60), assetName: "EURUSD_otc", specs: specs)
    }

    static func seed(_ s: LiveIndicatorStream, _ history: [Candle]) {
        let (state, _) = LiveIndicatorHistory.compute(
            CandleHistory(candles: history, source: "test"), specs: s.specs,
            asset: "EURUSD_otc", timeframe: .oneMinute)
        s.seed.fill(state)
    }

    /// `row` as the batch computation's columns (the stream's columns are in canonical order).
    static func values(_ s: LiveIndicatorStream) -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: zip(s.outputs, s.row.map { $0.isNaN ? nil : $0 }))
    }

    static func expected(_ candles: [Candle]) throws -> [String: Double?] {
        let b = try batchIndicators(candles, spec: spec)
        return Dictionary(uniqueKeysWithValues: zip(b.columns, b.rows.last!))
    }

    @Test(
        "updates before the seed are replayed onto it; revisions of the forming candle do not drift; late revisions are ignored"
    )
    func earlyAndRevisions() throws {
        let all = IndicatorDataSource.history(Self.eur, .oneMinute)
        let history = Array(all.prefix(40))
        let s = try Self.stream()
        // three live updates arrive while the worker still reads history: nothing to send yet
        var live = all[39]; live.close += 0.003
        #expect(!s.advance(AnalysisCandle(live: live)))
        #expect(!s.advance(AnalysisCandle(live: all[40])))
        var forming = all[41]; forming.close -= 0.002
        #expect(!s.advance(AnalysisCandle(live: forming)))
        #expect(!s.isSeeded)
        Self.seed(s, history)
        // the next update installs the seed, replays the three, then applies itself
        var series = Array(all.prefix(41)); series[39] = live
        forming.close += 0.001
        #expect(s.advance(AnalysisCandle(live: forming)))
        upsertCandle(forming, into: &series)
        #expect(Self.values(s) == (try Self.expected(series)))
        // many revisions of the same candle, then a new one: equal to the batch every time
        for k in 0..<50 {
            var c = all[42]
            c.close += Double(k % 7) * 1e-4 - 3e-4
            c.high = max(c.high, c.close); c.low = min(c.low, c.close)
            #expect(s.advance(AnalysisCandle(live: c)))
            upsertCandle(c, into: &series)
            #expect(Self.values(s) == (try Self.expected(series)), "revision \(k)")
        }
        // a late revision of a closed candle changes nothing and sends nothing
        let before = s.row
        var late = all[41]; late.close += 0.01
        #expect(!s.advance(AnalysisCandle(live: late)))
        #expect(s.row.elementsEqual(before) { $0 == $1 || ($0.isNaN && $1.isNaN) })
        for c in all[43...] {
            #expect(s.advance(AnalysisCandle(live: c)))
            upsertCandle(c, into: &series)
        }
        #expect(Self.values(s) == (try Self.expected(series)))
    }

    @Test("the indicator_update frame: asset, timeframe, candle start, values with null before the lookback")
    func frame() throws {
        let s = try Self.stream()
        let history = IndicatorDataSource.history(Self.eur, .oneMinute)
        Self.seed(s, Array(history.prefix(4)))
        let c = history[4]
        #expect(s.advance(AnalysisCandle(live: c)))
        let text = String(decoding: s.frame(start: c.start), as: UTF8.self)
        #expect(
            text.hasPrefix(
                "42[\"indicator_update\",{\"asset\":\"EURUSD_otc\",\"timeframe\":\"1m\",\"timestamp\":\(c.start),\"values\":{"
            ))
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(text.dropFirst(2).utf8)) as? [Any])
        let values = try #require((payload[1] as? [String: Any])?["values"] as? [String: Any])
        #expect(values.keys.sorted() == s.outputs.sorted())
        // 5 candles: SMA(5) has its first value, RSI(5) and MACD(3,6,2) not yet
        let expected = try Self.expected(Array(history.prefix(5)))
        #expect(values["rsi_5"] is NSNull && expected["rsi_5"]! == nil)
        #expect(values["macd_3_6_2_signal"] is NSNull && expected["macd_3_6_2_signal"]! == nil)
        let sma = try #require(expected["sma_5"] ?? nil)
        #expect(jsonDouble(values["sma_5"]) == sma)
    }

    @Test("specs: canonical order, duplicates and spellings merged, bounds checked")
    func requestParsing() throws {
        let limits = LiveIndicatorLimits()
        let a = try LiveIndicatorRequest.specs(.string("rsi(14), EMA(20),bb(20,2)"), limits: limits)
        let b = try LiveIndicatorRequest.specs(
            .array([.string("bbands(20,2,2)"), .string("ema(20),rsi"), .string("rsi(14)")]), limits: limits)
        #expect(a == b)
        #expect(a.map(\.text) == ["bbands(20,2)", "ema(20)", "rsi(14)"])
        #expect(throws: LiveIndicatorError.self) {
            try LiveIndicatorRequest.specs(.string(String(repeating: "sma(2),", count: 80) + "sma(3)"), limits: limits)
        }
        #expect(throws: LiveIndicatorError.self) {
            try LiveIndicatorRequest.specs(.array(Array(repeating: .string("sma(3)"), count: 17)), limits: limits)
        }
        #expect(throws: LiveIndicatorError.self) {
            try LiveIndicatorRequest.specs(.string("macd(12,1001,9)"), limits: limits)
        }
        #expect(throws: LiveIndicatorError.self) { try LiveIndicatorRequest.specs(.object([:]), limits: limits) }
        #expect(LiveIndicatorRequest.timeframe(.string("5s"))?.seconds == 5)
        #expect(LiveIndicatorRequest.timeframe(.number(300))?.seconds == 300)
        #expect(LiveIndicatorRequest.timeframe(nil)?.seconds == 60)
        #expect(LiveIndicatorRequest.timeframe(.number(1.5)) == nil)
        #expect(LiveIndicatorRequest.timeframe(.number(-60)) == nil)
    }

    @Test("20,000 updates (ten revisions per candle) end equal to the batch computation; cost of one update")
    func longRunAndCost() throws {
        let spec = "ema(20),bbands(20,2),rsi(14),macd(12,26,9)"
        let specs = try LiveIndicatorRequest.specs(.string(spec), limits: LiveIndicatorLimits())
        let s = LiveIndicatorStream(pair: SubscriptionKey(asset: 0, seconds: 5), assetName: "EURUSD_otc", specs: specs)
        let history = IndicatorDataSource.history(Self.eur, Timeframe(seconds: 5))
        Self.seed(s, history)
        var series = history
        var c = history.last!
        let n = 20_000
        var bytes = 0
        var advanceTime = Duration.zero, frameTime = Duration.zero
        for i in 0..<n {
            // ten revisions per candle
            if i % 10 == 0 { c.start += 5; c.open = c.close; c.high = c.close; c.low = c.close }
            c.close = 1.1 + Double((i * 37) % 97) * 1e-5
            c.high = max(c.high, c.close); c.low = min(c.low, c.close)
            let t0 = ContinuousClock.now
            let sent = s.advance(AnalysisCandle(live: c))
            let t1 = ContinuousClock.now
            if sent { bytes += s.frame(start: c.start).count }
            frameTime += ContinuousClock.now - t1
            advanceTime += t1 - t0
            #expect(sent)
            if i % 10 == 9 { upsertCandle(c, into: &series) }
        }
        let b = try batchIndicators(series, spec: spec)
        #expect(Self.values(s) == Dictionary(uniqueKeysWithValues: zip(b.columns, b.rows.last!)))
        #expect(b.rows.last!.allSatisfy { $0 != nil })
        // for scale: the candle_update frame route() already builds per update
        var candleBytes = 0
        let t2 = ContinuousClock.now
        for _ in 0..<n { candleBytes += ServerPayloads.candleUpdateFrame(c, asset: "EURUSD_otc").count }
        let candleTime = ContinuousClock.now - t2
        func ns(_ d: Duration) -> Int {
            Int((Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(n))
        }
        print(
            "live indicators, per update (4 indicators, 8 outputs, \(bytes / n)-byte frame): advance \(ns(advanceTime)) ns, frame \(ns(frameTime)) ns; candle_update frame \(ns(candleTime)) ns (\(candleBytes / n) bytes; this build's configuration)"
        )
    }
}
